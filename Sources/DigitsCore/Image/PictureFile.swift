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

    /// Bytes that tell the formats apart: the longer signature.
    static let signatureLength = 8
}

/// A picture that cannot be used: every message names the file.
public struct PictureError: Error, Equatable, CustomStringConvertible {
    public enum Problem: Error, Equatable, Sendable {
        /// Neither a PNG's nor a JPEG's signature; `empty` when there were no bytes at all.
        case unknownFormat(empty: Bool)
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
        guard PictureFormat(signature: prefix) != nil else {
            throw PictureError(path: name, problem: .unknownFormat(empty: prefix.isEmpty))
        }
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
        case nil: .failure(.unknownFormat(empty: data.isEmpty))
        }
    }

    /// Whether a file in a folder is taken for a picture by its name: `.png`, `.jpg` or `.jpeg`, in any case.
    /// (A file named on its own is read whatever its name.)
    public static func hasPictureExtension(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return [".png", ".jpg", ".jpeg"].contains { lowered.hasSuffix($0) }
    }
}
