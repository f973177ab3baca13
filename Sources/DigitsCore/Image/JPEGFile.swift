import CTurboJPEG
import Foundation

// The one file that speaks to libjpeg-turbo, through its TurboJPEG API (see Sources/CTurboJPEG/shim.h). Every
// JPEG decodes to 8-bit gray: baseline or progressive, gray, YCbCr, RGB, CMYK or YCCK, then is turned upright by
// its EXIF orientation.
//
// What is refused, and why:
// - more pixels than the limit, read from the header before any pixel memory is allocated;
// - anything libjpeg warns about, "Premature end of JPEG file" included (TurboJPEG fails a decoding that
//   warned, and stops at the first warning with TJFLAG_STOPONWARNING): a truncated photo decodes with its
//   missing rows gray, and a digit cut in half is read as a confident wrong answer, so a damaged file is an
//   error, not a guess;
// - a progressive file of more than 500 scans (libjpeg-turbo's limit with TJFLAG_LIMITSCANS): each scan
//   revisits every coefficient, so a small file of thousands of scans would take minutes.

enum JPEGFile {
    /// Decodes JPEG bytes as gray (opaque), upright by their EXIF orientation. The picture may be decoded at
    /// 1/2, 1/4 or 1/8 of its size (libjpeg's scaling in the DCT: each pixel the mean of a 2×2, 4×4 or 8×8
    /// block) while its longer side keeps at least `minimumSide` pixels; `reduction` on the result says which.
    static func decode(_ data: Data, pixelLimit: Int, minimumSide: Int?) -> Result<GrayImage, PictureError.Problem> {
        data.withUnsafeBytes { bytes in decode(bytes, pixelLimit: pixelLimit, minimumSide: minimumSide) }
    }

    private static func decode(_ bytes: UnsafeRawBufferPointer, pixelLimit: Int,
                               minimumSide: Int?) -> Result<GrayImage, PictureError.Problem> {
        guard let handle = tjInitDecompress() else { return .failure(.invalid(.jpeg, "the JPEG decoder did not start")) }
        defer { tjDestroy(handle) }
        let source = bytes.bindMemory(to: UInt8.self).baseAddress
        var (width, height, subsampling, colorspace): (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
        guard tjDecompressHeader3(handle, source, UInt(bytes.count), &width, &height, &subsampling, &colorspace) == 0 else {
            return .failure(.invalid(.jpeg, message(of: handle)))
        }
        let (w, h) = (Int(width), Int(height))
        // TurboJPEG 2.1 reports a header that ends before the frame's as a success with no size.
        guard w > 0, h > 0 else { return .failure(.invalid(.jpeg, "the file ends before the picture's header")) }
        // JPEG's sizes are 16-bit, so the product cannot overflow.
        guard w * h <= pixelLimit else { return .failure(.tooLarge(width: w, height: h, limit: pixelLimit)) }

        let reduction = [8, 4, 2].first { r in minimumSide.map { (max(w, h) + r - 1) / r >= $0 } ?? false } ?? 1
        let (outWidth, outHeight) = ((w + reduction - 1) / reduction, (h + reduction - 1) / reduction)
        // libjpeg converts gray, YCbCr and RGB to gray itself (for YCbCr it keeps Y, the luma); CMYK and YCCK it
        // gives only as CMYK.
        let cmyk = colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
        let format = cmyk ? TJPF_CMYK : TJPF_GRAY
        let channels = cmyk ? 4 : 1
        var pixels = [UInt8](repeating: 0, count: outWidth * outHeight * channels)
        let flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS
        let decoded = pixels.withUnsafeMutableBufferPointer { out in
            tjDecompress2(handle, source, UInt(bytes.count), out.baseAddress, Int32(outWidth), 0, Int32(outHeight),
                          format.rawValue, flags)
        }
        guard decoded == 0 else { return .failure(.invalid(.jpeg, message(of: handle))) }
        let gray = cmyk ? grayFromInvertedCMYK(pixels) : pixels

        var image = GrayImage(width: outWidth, height: outHeight, gray: gray)
        image.reduction = reduction
        let orientation = EXIF.orientation(inJPEG: bytes) ?? .up
        return .success(orientation.displayed(image))
    }

    /// Gray from CMYK samples as libjpeg gives them from a JPEG: inverted, 255 = no ink (Adobe's convention, which
    /// libjpeg-turbo's own CMYK conversion also assumes). R = C·K / 255 and likewise G and B, then luma
    /// 0.299 R + 0.587 G + 0.114 B, the weights JPEG's YCbCr uses.
    static func grayFromInvertedCMYK(_ cmyk: [UInt8]) -> [UInt8] {
        (0..<cmyk.count / 4).map { i in
            let k = Float(cmyk[4 * i + 3]) / 255
            let (r, g, b) = (Float(cmyk[4 * i]) * k, Float(cmyk[4 * i + 1]) * k, Float(cmyk[4 * i + 2]) * k)
            return UInt8(min(255, (0.299 * r + 0.587 * g + 0.114 * b).rounded()))
        }
    }

    /// TurboJPEG's message, without the name of the function that reports it ("tjDecompress2(): ").
    private static func message(of handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle).map({ String(cString: $0) }), !text.isEmpty else {
            return "unknown libjpeg error"
        }
        if let range = text.range(of: "(): ") { return String(text[range.upperBound...]) }
        return text
    }
}
