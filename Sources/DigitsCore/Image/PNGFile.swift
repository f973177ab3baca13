import CPNG
import Foundation

// The one file that speaks to libpng. Every PNG decodes through png_image into 8-bit gray + alpha: libpng
// expands 1-, 2- and 4-bit gray and palettes (with tRNS transparency), reduces 16-bit samples, converts colour to
// luminance and undoes Adam7 interlacing, so the rest of digits sees one format.

public enum PNGFile {
    /// Decodes PNG bytes as gray + alpha, refusing images of more than `pixelLimit` pixels from the header.
    public static func decode(_ data: Data, pixelLimit: Int = PictureFile.defaultPixelLimit)
        -> Result<GrayImage, PictureError.Problem> {
        if let problem = data.withUnsafeBytes(chunkProblem) { return .failure(.invalid(.png, problem)) }
        var image = digits_png_image()
        defer { png_image_free(&image) }
        let begun = data.withUnsafeBytes { bytes in
            png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count)
        }
        guard begun != 0, digits_png_image_failed(&image) == 0 else { return .failure(.invalid(.png, message(of: image))) }

        let (width, height) = (Int(image.width), Int(image.height))
        guard width > 0, height > 0, width.multipliedReportingOverflow(by: height).partialValue <= pixelLimit,
              width <= pixelLimit, height <= pixelLimit else {
            return .failure(.tooLarge(width: width, height: height, limit: pixelLimit))
        }
        // 16-bit files without gamma information are nearly always plain 8-bit values scaled up, not linear light.
        image.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
        // libpng 1.6 scrambles interlaced 16-bit files when it reduces them to 8 bits itself (checked against an
        // independent decoder); reading them as 16-bit linear light, which it gets right, and encoding to sRGB
        // here avoids that path for every 16-bit file.
        let sixteenBit = image.format & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0
        image.format = sixteenBit ? UInt32(PNG_FORMAT_LINEAR_Y_ALPHA) : PNG_FORMAT_GA
        var pixels = [UInt8](repeating: 0, count: digits_png_image_size(&image))
        let finished = pixels.withUnsafeMutableBytes { buffer in
            png_image_finish_read(&image, nil, buffer.baseAddress, 0, nil)
        }
        guard finished != 0, digits_png_image_failed(&image) == 0 else { return .failure(.invalid(.png, message(of: image))) }

        var gray = [UInt8](repeating: 0, count: width * height)
        var alpha = [UInt8](repeating: 0, count: width * height)
        if sixteenBit {
            pixels.withUnsafeBytes { raw in
                let samples = raw.bindMemory(to: UInt16.self)
                for i in 0..<width * height {
                    // Linear output is premultiplied by alpha; undo that, then encode as sRGB.
                    let a = Float(samples[2 * i + 1]) / 65535
                    let linear = a > 0 ? min(1, Float(samples[2 * i]) / 65535 / a) : 0
                    gray[i] = UInt8((srgbEncoded(linear) * 255).rounded())
                    alpha[i] = UInt8((a * 255).rounded())
                }
            }
        } else {
            for i in 0..<width * height {
                gray[i] = pixels[2 * i]
                alpha[i] = pixels[2 * i + 1]
            }
        }
        return .success(GrayImage(width: width, height: height, gray: gray, alpha: alpha))
    }

    /// Ancillary chunks (text, profiles, EXIF: those whose type begins in lower case) larger than this are refused.
    static let ancillaryChunkLimit = 8 << 20

    /// What is wrong with the chunk structure of PNG bytes, or nil: every chunk's declared length must fit in the
    /// bytes that follow it, and an ancillary chunk must be at most `ancillaryChunkLimit`. libpng allocates a
    /// chunk's declared length before it reads the chunk, so a 1 KB file declaring a 2 GB text chunk would cost
    /// 2 GB before it failed; checked here first, no chunk can ask for more than the file holds.
    ///
    /// A chunk is: length (4 bytes, big-endian, at most 2^31 − 1), type (4 ASCII letters), data, CRC (4 bytes).
    /// The walk starts after the 8-byte signature and stops at IEND or where fewer than 8 bytes are left, which
    /// libpng then reports as it always has.
    static func chunkProblem(_ bytes: UnsafeRawBufferPointer) -> String? {
        var offset = 8
        while offset + 8 <= bytes.count {
            let length = (0..<4).reduce(0) { $0 << 8 | Int(bytes[offset + $1]) }
            let type = bytes[(offset + 4)..<(offset + 8)]
            let name = String(decoding: type.map { (0x41...0x7A).contains($0) ? $0 : 0x3F }, as: UTF8.self)
            let left = bytes.count - offset - 12
            if length > left {
                return "chunk \(name) declares \(length) bytes, more than the \(max(0, left)) left in the file"
            }
            if type.first! & 0x20 != 0 && length > ancillaryChunkLimit {
                return "ancillary chunk \(name) of \(length) bytes, more than the limit of \(ancillaryChunkLimit)"
            }
            if Array(type) == Array("IEND".utf8) { break }
            offset += 12 + length
        }
        return nil
    }

    /// Writes 8-bit grayscale pixels (row-major, width × height) as a PNG, atomically replacing `path`.
    public static func writeGray(_ pixels: [UInt8], width: Int, height: Int, to path: String) throws {
        try write(pixels, channels: 1, width: width, height: height, to: path)
    }

    /// Writes 8-bit RGB pixels (row-major, 3 bytes each) as a PNG, atomically replacing `path`.
    public static func writeRGB(_ pixels: [UInt8], width: Int, height: Int, to path: String) throws {
        try write(pixels, channels: 3, width: width, height: height, to: path)
    }

    private static func write(_ pixels: [UInt8], channels: Int, width: Int, height: Int, to path: String) throws {
        precondition(pixels.count == channels * width * height && width > 0 && height > 0)
        var image = digits_png_image()
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        var size = 0
        // First call measures, second writes: png_image_write_to_memory reports the size it needs.
        guard pixels.withUnsafeBytes({ png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }) != 0 else {
            throw PictureError(path: path, problem: .invalid(.png, message(of: image)))
        }
        var encoded = [UInt8](repeating: 0, count: size)
        let written = encoded.withUnsafeMutableBytes { out in
            pixels.withUnsafeBytes { png_image_write_to_memory(&image, out.baseAddress, &size, 0, $0.baseAddress, 0, nil) }
        }
        guard written != 0 else { throw PictureError(path: path, problem: .invalid(.png, message(of: image))) }
        try AtomicFile.write(Array(encoded.prefix(size)), to: path)
    }

    /// Linear light in [0, 1] to its encoded value in [0, 1], by the inverse of the curve libpng applied when
    /// it linearised the file: for sRGB, libpng's gamma-correction tables use a pure power of 2.2.
    static func srgbEncoded(_ linear: Float) -> Float {
        pow(linear, 1 / 2.2)
    }

    private static func message(of image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in
            let text = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            return text.isEmpty ? "unknown libpng error" : text
        }
    }
}
