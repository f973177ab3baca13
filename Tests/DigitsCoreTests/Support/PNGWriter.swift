import CZlib
import Foundation

/// A small PNG encoder for tests: every colour type, every bit depth PNG allows for it, palettes with and without
/// transparency, and Adam7 interlacing — the files a person's tools produce, made here so the tests can hand
/// them to libpng. (digits itself writes PNGs through libpng.)
struct PNGWriter {
    enum ColorType: UInt8 {
        case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6

        var channels: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(rawValue)]! }
    }

    var colorType: ColorType
    var bitDepth: Int
    var interlaced = false

    /// Whether the encoding keeps transparency (palettes of 4 or more entries do, through tRNS).
    var hasAlpha: Bool { [.grayAlpha, .rgba].contains(colorType) || (colorType == .palette && bitDepth >= 2) }

    /// Encodes an RGBA picture (row-major, 0...255 each, count == 4 × width × height). Types without alpha get
    /// the picture composited over white, as image editors flatten; gray types use the luminance; palette
    /// types build a palette of the picture's distinct colours (at most 2^bitDepth of them, else colours are
    /// quantised to gray levels) with a tRNS chunk when some are not opaque.
    func encode(rgba: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(rgba.count == 4 * width * height)
        var rgba = rgba
        if !hasAlpha {
            for i in 0..<width * height {
                let a = Int(rgba[4 * i + 3])
                for c in 0..<3 { rgba[4 * i + c] = UInt8((Int(rgba[4 * i + c]) * a + 255 * (255 - a) + 127) / 255) }
                rgba[4 * i + 3] = 255
            }
        }
        var palette: [[UInt8]] = []
        var paletteIndex: [[UInt8]: Int] = [:]
        var pixels = rgba
        if colorType == .palette {
            let capacity = 1 << bitDepth
            var distinct = Set<[UInt8]>()
            for i in 0..<width * height { distinct.insert(Array(rgba[4 * i..<4 * i + 4])) }
            if distinct.count > capacity {
                // Too many colours: gray levels spread over the palette, half of it for transparent pixels.
                let levels = hasAlpha ? capacity / 2 : capacity
                for i in 0..<width * height {
                    let y = luminance(rgba, i)
                    let q = UInt8((Int(y) * (levels - 1) + 127) / 255 * 255 / (levels - 1))
                    let a: UInt8 = rgba[4 * i + 3] >= 128 ? 255 : 0
                    pixels.replaceSubrange(4 * i..<4 * i + 4, with: [q, q, q, a])
                }
            }
            for i in 0..<width * height {
                let colour = Array(pixels[4 * i..<4 * i + 4])
                if paletteIndex[colour] == nil {
                    paletteIndex[colour] = palette.count
                    palette.append(colour)
                }
            }
            precondition(palette.count <= capacity, "palette overflow")
        }

        func samples(_ i: Int) -> [Int] {
            let maxValue = (1 << bitDepth) - 1
            func scaled(_ v: UInt8) -> Int { (Int(v) * maxValue + 127) / 255 }
            switch colorType {
            case .gray: return [scaled(luminance(pixels, i))]
            case .grayAlpha: return [scaled(luminance(pixels, i)), scaled(pixels[4 * i + 3])]
            case .rgb: return (0..<3).map { scaled(pixels[4 * i + $0]) }
            case .rgba: return (0..<4).map { scaled(pixels[4 * i + $0]) }
            case .palette: return [paletteIndex[Array(pixels[4 * i..<4 * i + 4])]!]
            }
        }

        func scanlines(xs: StrideTo<Int>, ys: StrideTo<Int>) -> [UInt8] {
            var out: [UInt8] = []
            for y in ys {
                out.append(0)  // filter: none
                var bits = 0, accumulator = 0
                for x in xs {
                    for sample in samples(y * width + x) {
                        if bitDepth == 16 {
                            out += [UInt8(sample >> 8), UInt8(sample & 0xFF)]
                        } else if bitDepth == 8 {
                            out.append(UInt8(sample))
                        } else {
                            accumulator = accumulator << bitDepth | sample
                            bits += bitDepth
                            if bits == 8 { out.append(UInt8(accumulator)); (bits, accumulator) = (0, 0) }
                        }
                    }
                }
                if bits > 0 { out.append(UInt8(accumulator << (8 - bits))) }
            }
            return out
        }

        var raw: [UInt8] = []
        if interlaced {
            let passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            for (x0, y0, dx, dy) in passes where x0 < width && y0 < height {
                raw += scanlines(xs: stride(from: x0, to: width, by: dx), ys: stride(from: y0, to: height, by: dy))
            }
        } else {
            raw = scanlines(xs: stride(from: 0, to: width, by: 1), ys: stride(from: 0, to: height, by: 1))
        }

        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = bigEndian(width) + bigEndian(height)
        header += [UInt8(bitDepth), colorType.rawValue, 0, 0, interlaced ? 1 : 0]
        png += chunk("IHDR", header)
        if colorType == .palette {
            png += chunk("PLTE", palette.flatMap { $0.prefix(3) })
            if palette.contains(where: { $0[3] != 255 }) {
                png += chunk("tRNS", palette.map { $0[3] })
            }
        }
        png += chunk("IDAT", deflate(raw))
        png += chunk("IEND", [])
        return png
    }

    private func luminance(_ rgba: [UInt8], _ i: Int) -> UInt8 {
        let (r, g, b) = (Double(rgba[4 * i]), Double(rgba[4 * i + 1]), Double(rgba[4 * i + 2]))
        return UInt8((0.299 * r + 0.587 * g + 0.114 * b).rounded())
    }

    private func bigEndian(_ value: Int) -> [UInt8] {
        withUnsafeBytes(of: UInt32(value).bigEndian, Array.init)
    }

    private func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        let crc = body.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, UInt32($0.count))) }
        return bigEndian(data.count) + body + bigEndian(Int(crc))
    }

    private func deflate(_ data: [UInt8]) -> [UInt8] {
        var size = compressBound(UInt(data.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = out.withUnsafeMutableBufferPointer { o in
            data.withUnsafeBufferPointer { compress2(o.baseAddress, &size, $0.baseAddress, UInt(data.count), 6) }
        }
        precondition(status == Z_OK)
        return Array(out.prefix(Int(size)))
    }
}
