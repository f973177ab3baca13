import Foundation

// Pictures as people hand them in: a PNG or a JPEG, told apart by their first bytes, never by their names, and
// decoded into one GrayImage. The signature is checked before the rest of a file is read, so a large file
// that is no picture costs one small read.

/// The picture formats digits reads.
public enum PictureFormat: String, Sendable {
    case png = "PNG"
    case jpeg = "JPEG"

    /// The format whose signature `bytes` begin with: PNG's eight bytes `89 50 4E 47 0D 0A 1A 0A`, or JPEG's
    /// start-of-image marker followed by the next marker's first byte, `FF D8 FF`.
    public init?(signature bytes: some Collection<UInt8>) {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else {
            return nil
        }
    }

    /// Bytes that tell the formats apart, those digits reads and those it names (`otherFormat`): the longest
    /// signature, WebP's and HEIF's 12.
    static let signatureLength = 12

    /// The name of a picture format that digits does not read, when `bytes` begin with its signature: a phone's
    /// HEIC or AVIF photo, a WebP from the web, a GIF, a BMP, a TIFF scan, a PDF; nil for anything else.
    public static func otherFormat(signature bytes: some Collection<UInt8>) -> String? {
        let b = Array(bytes.prefix(signatureLength))
        func ascii(_ range: Range<Int>) -> String? {
            b.count >= range.upperBound ? String(decoding: b[range], as: UTF8.self) : nil
        }
        if ascii(0..<6) == "GIF87a" || ascii(0..<6) == "GIF89a" { return "GIF" }
        // BMP: "BM", the file's size, then two reserved words of zero.
        if ascii(0..<2) == "BM" && b.count >= 10 && b[6..<10].allSatisfy({ $0 == 0 }) { return "BMP" }
        if b.starts(with: [0x49, 0x49, 0x2A, 0x00]) || b.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return "TIFF" }
        if ascii(0..<4) == "RIFF" && ascii(8..<12) == "WEBP" { return "WebP" }
        if ascii(0..<5) == "%PDF-" { return "PDF" }
        // ISO base media files (HEIF, AVIF) open with a box of type "ftyp" whose first word is the major brand.
        if ascii(4..<8) == "ftyp", let brand = ascii(8..<12) {
            if ["heic", "heix", "hevc", "hevx", "heim", "heis"].contains(brand) { return "HEIC" }
            if ["mif1", "msf1"].contains(brand) { return "HEIF" }
            if ["avif", "avis"].contains(brand) { return "AVIF" }
        }
        return nil
    }
}

/// A picture that cannot be used: every message names the file.
public struct PictureError: Error, Equatable, CustomStringConvertible {
    public enum Problem: Error, Equatable, Sendable {
        /// Neither a PNG's nor a JPEG's signature; `empty` when there were no bytes at all.
        case unknownFormat(empty: Bool)
        /// A picture in a format digits does not read (`PictureFormat.otherFormat`), such as "HEIC".
        case otherFormat(String)
        /// The decoder's own words, e.g. libpng's "IDAT: CRC error" or libjpeg's "Premature end of JPEG file".
        case invalid(PictureFormat, String)
        case tooLarge(width: Int, height: Int, limit: Int)
    }

    public let path: String
    public let problem: Problem

    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        let what = switch problem {
        case .unknownFormat(let empty): "not a PNG or JPEG picture" + (empty ? ": it holds no bytes" : "")
        case .otherFormat(let name): "a picture in \(name), which digits does not read: save it as JPEG or PNG"
        case .invalid(let format, let message): "not a readable \(format.rawValue): \(message)"
        case .tooLarge(let width, let height, let limit):
            "image is \(width)×\(height) pixels, more than the limit of \(limit) (raise it with --max-pixels)"
        }
        return "\(what) (\(path))"
    }
}

public enum PictureFile {
    /// Images above this many pixels are refused before any pixel memory is allocated: 50 megapixels, more than
    /// any phone camera's photo, 100 MB once decoded.
    public static let defaultPixelLimit = 50_000_000
    /// Files (and standard input) above this size are refused before they are read whole.
    public static let fileSizeLimit = 1 << 30
    /// What a picture read from standard input is called in messages.
    public static let standardInputName = "standard input"

    /// Reads the PNG or JPEG at `path` as gray + alpha, refusing images of more than `pixelLimit` pixels. A JPEG
    /// may be decoded at 1/2, 1/4 or 1/8 of its size while its longer side keeps at least `minimumSide`
    /// pixels (nil: always whole).
    public static func read(from path: String, pixelLimit: Int = defaultPixelLimit,
                            minimumSide: Int? = nil) throws -> GrayImage {
        let data = try FileError.contents(of: path, limit: fileSizeLimit, prefix: PictureFormat.signatureLength) {
            try checkSignature($0, name: path)
        }
        return try decode(data, name: path, pixelLimit: pixelLimit, minimumSide: minimumSide)
    }

    /// Reads one PNG or JPEG from `handle` (a file, or standard input) to its end; `name` stands for it in
    /// messages. The signature is checked first, and no more than `byteLimit` bytes are taken.
    public static func read(from handle: FileHandle, name: String, pixelLimit: Int = defaultPixelLimit,
                            minimumSide: Int? = nil, byteLimit: Int = fileSizeLimit) throws -> GrayImage {
        let data = try FileError.contents(of: handle, name: name, limit: byteLimit,
                                          prefix: PictureFormat.signatureLength) { try checkSignature($0, name: name) }
        return try decode(data, name: name, pixelLimit: pixelLimit, minimumSide: minimumSide)
    }

    private static func checkSignature(_ prefix: [UInt8], name: String) throws {
        guard PictureFormat(signature: prefix) != nil else { throw PictureError(path: name, problem: unread(prefix)) }
    }

    /// Why bytes that are neither PNG nor JPEG cannot be read: another picture format, named, or none known.
    private static func unread(_ bytes: some Collection<UInt8>) -> PictureError.Problem {
        PictureFormat.otherFormat(signature: bytes).map { .otherFormat($0) } ?? .unknownFormat(empty: bytes.isEmpty)
    }

    private static func decode(_ data: Data, name: String, pixelLimit: Int, minimumSide: Int?) throws -> GrayImage {
        switch decode(data, pixelLimit: pixelLimit, minimumSide: minimumSide) {
        case .success(let image): return image
        case .failure(let problem): throw PictureError(path: name, problem: problem)
        }
    }

    /// Decodes the bytes of a PNG or a JPEG, whichever they are, as gray + alpha.
    public static func decode(_ data: Data, pixelLimit: Int = defaultPixelLimit,
                              minimumSide: Int? = nil) -> Result<GrayImage, PictureError.Problem> {
        switch PictureFormat(signature: data) {
        case .png: PNGFile.decode(data, pixelLimit: pixelLimit)
        case .jpeg: JPEGFile.decode(data, pixelLimit: pixelLimit, minimumSide: minimumSide)
        case nil: .failure(unread(data))
        }
    }

    /// Whether a file in a folder is taken for a picture by its name: `.png`, `.jpg` or `.jpeg`, in any case, or
    /// the name of a picture format that digits does not read (`.heic`, `.webp`, …), so that such a picture is
    /// told of rather than passed over. (A file named on its own is read whatever its name.)
    public static func hasPictureExtension(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return [".png", ".jpg", ".jpeg", ".heic", ".heif", ".avif", ".webp", ".gif", ".bmp", ".tif", ".tiff"]
            .contains { lowered.hasSuffix($0) }
    }
}
