import CTurboJPEG
import Foundation
@testable import DigitsCore

/// An MNIST digit drawn into a picture the way people hand pictures in: larger, off-centre, dark ink on
/// light paper, tinted, unevenly lit, noisy, blurred, speckled or on a transparent background.
struct PictureStyle: CustomStringConvertible, Sendable {
    var name: String
    /// Canvas pixels per MNIST pixel.
    var scale: Float = 8
    var canvas: (width: Int, height: Int) = (280, 280)
    /// Where the digit's 28×28 field starts, as a fraction of the room left on the canvas.
    var position: (x: Float, y: Float) = (0.5, 0.5)
    var ink: (UInt8, UInt8, UInt8) = (0, 0, 0)
    var paper: (UInt8, UInt8, UInt8) = (255, 255, 255)
    /// Paper and ink transparent where there is no ink: RGB is the ink colour, alpha the ink.
    var transparent = false
    /// Brightness falls by this fraction from the left edge to the right one.
    var lightFalloff: Float = 0
    /// Standard deviation of per-pixel noise, in 0...255 units.
    var noise: Float = 0
    /// Box-blur radius in canvas pixels.
    var blur = 0
    /// Small dark dots scattered over the canvas.
    var specks = 0

    var description: String { name }

    static let all: [PictureStyle] = [
        PictureStyle(name: "dark on white"),
        PictureStyle(name: "large and off-centre", scale: 5, canvas: (400, 300), position: (0.9, 0.2)),
        PictureStyle(name: "blue ink on tinted paper", ink: (30, 40, 120), paper: (235, 225, 190)),
        PictureStyle(name: "uneven light", lightFalloff: 0.45),
        PictureStyle(name: "noisy", noise: 14),
        PictureStyle(name: "blurred", blur: 4),
        PictureStyle(name: "speckled", specks: 8),
        PictureStyle(name: "light on dark", ink: (250, 250, 250), paper: (10, 10, 10)),
        PictureStyle(name: "black ink on transparent", transparent: true),
        PictureStyle(name: "white ink on transparent", ink: (255, 255, 255), transparent: true),
        PictureStyle(name: "small", scale: 2, canvas: (90, 70), position: (0.3, 0.6)),
    ]

    /// The RGBA canvas with `digit` (28×28, MNIST's 0 = background, 255 = ink) drawn on it.
    func render(_ digit: ArraySlice<UInt8>, seed: UInt64) -> [UInt8] {
        render(field: Array(digit), width: 28, height: 28, seed: seed)
    }

    /// The RGBA canvas with `field` (`fieldWidth` × `fieldHeight` in MNIST's pixels, 0 = background, 255 = ink)
    /// drawn on it.
    func render(field pixels: [UInt8], width fieldWidth: Int, height fieldHeight: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        let (width, height) = canvas
        let (ox, oy) = (position.x * (Float(width) - Float(fieldWidth) * scale),
                        position.y * (Float(height) - Float(fieldHeight) * scale))
        // Ink coverage: MNIST's pixels bilinearly enlarged, then blurred.
        var coverage = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let u = (Float(x) + 0.5 - ox) / scale - 0.5, v = (Float(y) + 0.5 - oy) / scale - 0.5
                let (x0, y0) = (Int(u.rounded(.down)), Int(v.rounded(.down)))
                let (fx, fy) = (u - Float(x0), v - Float(y0))
                func at(_ i: Int, _ j: Int) -> Float {
                    (0..<fieldWidth).contains(i) && (0..<fieldHeight).contains(j)
                        ? Float(pixels[j * fieldWidth + i]) / 255 : 0
                }
                coverage[y * width + x] = at(x0, y0) * (1 - fx) * (1 - fy) + at(x0 + 1, y0) * fx * (1 - fy)
                    + at(x0, y0 + 1) * (1 - fx) * fy + at(x0 + 1, y0 + 1) * fx * fy
            }
        }
        if blur > 0 { coverage = boxBlur(coverage, width: width, height: height, radius: blur) }
        for _ in 0..<specks {
            let (sx, sy) = (generator.nextIndex(below: width - 2), generator.nextIndex(below: height - 2))
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] { coverage[(sy + dy) * width + sx + dx] = 1 }
        }

        var rgba = [UInt8](repeating: 0, count: 4 * width * height)
        let ink = [Float(self.ink.0), Float(self.ink.1), Float(self.ink.2)]
        let paper = [Float(self.paper.0), Float(self.paper.1), Float(self.paper.2)]
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                let c = coverage[i]
                let light = 1 - lightFalloff * Float(x) / Float(width)
                for channel in 0..<3 {
                    var value = transparent ? ink[channel] : (paper[channel] * (1 - c) + ink[channel] * c) * light
                    if noise > 0 { value += Float(generator.nextGaussian()) * noise }
                    rgba[4 * i + channel] = UInt8(min(255, max(0, value.rounded())))
                }
                rgba[4 * i + 3] = transparent ? UInt8((c * 255).rounded()) : 255
            }
        }
        return rgba
    }

    private func boxBlur(_ values: [Float], width: Int, height: Int, radius: Int) -> [Float] {
        var rows = values
        for y in 0..<height {
            for x in 0..<width {
                let range = max(0, x - radius)...min(width - 1, x + radius)
                rows[y * width + x] = range.reduce(0) { $0 + values[y * width + $1] } / Float(range.count)
            }
        }
        var out = rows
        for y in 0..<height {
            for x in 0..<width {
                let range = max(0, y - radius)...min(height - 1, y + radius)
                out[y * width + x] = range.reduce(0) { $0 + rows[$1 * width + x] } / Float(range.count)
            }
        }
        return out
    }
}

/// Every PNG encoding a person's tools produce, for cycling through in tests.
let pngEncodings: [PNGWriter] = [
    PNGWriter(colorType: .gray, bitDepth: 8),
    PNGWriter(colorType: .rgb, bitDepth: 8),
    PNGWriter(colorType: .rgba, bitDepth: 8),
    PNGWriter(colorType: .grayAlpha, bitDepth: 8),
    PNGWriter(colorType: .palette, bitDepth: 8),
    PNGWriter(colorType: .gray, bitDepth: 16),
    PNGWriter(colorType: .rgb, bitDepth: 16, interlaced: true),
    PNGWriter(colorType: .rgba, bitDepth: 16),
    PNGWriter(colorType: .grayAlpha, bitDepth: 16, interlaced: true),
    PNGWriter(colorType: .gray, bitDepth: 4),
    PNGWriter(colorType: .palette, bitDepth: 4, interlaced: true),
    PNGWriter(colorType: .gray, bitDepth: 2),
    PNGWriter(colorType: .gray, bitDepth: 8, interlaced: true),
    PNGWriter(colorType: .palette, bitDepth: 2),
    PNGWriter(colorType: .gray, bitDepth: 1),
    PNGWriter(colorType: .palette, bitDepth: 1),
]

/// JPEG encodings as cameras and apps write them, quality 50 to 95, for cycling through in tests.
let jpegEncodings: [JPEGWriter] = [
    JPEGWriter(pixels: .rgb(TJSAMP_420), quality: 50),
    JPEGWriter(pixels: .rgb(TJSAMP_444), quality: 95, progressive: true),
    JPEGWriter(pixels: .gray, quality: 75),
    JPEGWriter(pixels: .rgb(TJSAMP_422), quality: 85),
    JPEGWriter(pixels: .rgb(TJSAMP_420), quality: 65, progressive: true),
]

extension JPEGWriter {
    /// Encodes an RGBA picture: JPEG has no transparency, so a transparent picture is flattened over a ground
    /// that contrasts with its ink (black behind light ink, white behind dark), as it would be shown; gray
    /// encodings take the luma.
    func encode(rgba: [UInt8], width: Int, height: Int) -> [UInt8] {
        let count = width * height
        func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
            (299 * Int(r) + 587 * Int(g) + 114 * Int(b) + 500) / 1000
        }
        var weight = 0, inkLuma = 0
        for i in 0..<count {
            let a = Int(rgba[4 * i + 3])
            weight += a
            inkLuma += a * luma(rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2])
        }
        let ground = weight > 0 && inkLuma / weight > 127 ? 0 : 255
        var rgb = [UInt8](repeating: 0, count: 3 * count)
        for i in 0..<count {
            let a = Int(rgba[4 * i + 3])
            for c in 0..<3 { rgb[3 * i + c] = UInt8((Int(rgba[4 * i + c]) * a + ground * (255 - a) + 127) / 255) }
        }
        switch pixels {
        case .gray:
            return encode((0..<count).map { i in UInt8(luma(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2])) },
                          width: width, height: height)
        case .rgb:
            return encode(rgb, width: width, height: height)
        case .cmyk:
            // Inverted CMYK without black: C, M and Y are R, G and B themselves.
            let cmyk = (0..<count).flatMap { i -> [UInt8] in [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255] }
            return encode(cmyk, width: width, height: height)
        }
    }
}
