import CTurboJPEG
import Foundation

/// Real JPEG files for tests, made by libjpeg-turbo's own encoder (TurboJPEG): gray, YCbCr with any chroma
/// subsampling, YCCK from CMYK pixels, baseline or progressive, at any quality; and an EXIF block with an
/// orientation spliced in after the start-of-image marker, as a camera writes it.
struct JPEGWriter {
    enum Pixels {
        /// One byte per pixel, 0 = black.
        case gray
        /// Three bytes per pixel, stored as YCbCr with this subsampling.
        case rgb(TJSAMP)
        /// Four bytes per pixel, inverted as Adobe's CMYK (255 = no ink), stored as YCCK.
        case cmyk
    }

    var pixels: Pixels = .gray
    var quality = 90
    var progressive = false

    /// Encodes `samples` (row-major, as many bytes per pixel as `pixels` says).
    func encode(_ samples: [UInt8], width: Int, height: Int) -> [UInt8] {
        let (format, subsampling, channels): (TJPF, TJSAMP, Int) = switch pixels {
        case .gray: (TJPF_GRAY, TJSAMP_GRAY, 1)
        case .rgb(let subsampling): (TJPF_RGB, subsampling, 3)
        case .cmyk: (TJPF_CMYK, TJSAMP_444, 4)
        }
        precondition(samples.count == width * height * channels)
        let handle = tjInitCompress()!
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let flags = progressive ? TJFLAG_PROGRESSIVE : 0
        let status = tjCompress2(handle, samples, Int32(width), 0, Int32(height), format.rawValue, &output, &size,
                                 Int32(subsampling.rawValue), Int32(quality), flags)
        precondition(status == 0, String(cString: tjGetErrorStr2(handle)))
        defer { tjFree(output) }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    /// A gray picture (one byte per pixel) in this writer's colour model: gray as it is, RGB with every channel
    /// the same, CMYK as pure K ink.
    func encode(gray: [UInt8], width: Int, height: Int) -> [UInt8] {
        switch pixels {
        case .gray: encode(gray, width: width, height: height)
        case .rgb: encode(gray.flatMap { [$0, $0, $0] }, width: width, height: height)
        case .cmyk: encode(gray.flatMap { [255, 255, 255, $0] }, width: width, height: height)
        }
    }

    /// `jpeg` with an APP1 EXIF segment holding one IFD0 entry, Orientation = `orientation`, in either byte order.
    static func withEXIF(_ jpeg: [UInt8], orientation: Int, bigEndian: Bool = false) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: Int) -> [UInt8] { bigEndian ? u16(v >> 16) + u16(v & 0xFFFF) : u16(v & 0xFFFF) + u16(v >> 16) }
        let tiff = (bigEndian ? Array("MM".utf8) : Array("II".utf8)) + u16(42) + u32(8)
            + u16(1) + u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0) + u32(0)
        return withAPP1(jpeg, Array("Exif\0\0".utf8) + tiff)
    }

    /// `jpeg` with an APP1 segment of `payload` right after its start-of-image marker.
    static func withAPP1(_ jpeg: [UInt8], _ payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 2
        return Array(jpeg[0..<2]) + [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + jpeg[2...]
    }
}
