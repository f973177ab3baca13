import Foundation
import Testing
@testable import DigitsCore

@Suite struct DigitPreparationTests {
    /// A picture of `width` × `height` white pixels with black rectangles at the given (x, y, w, h).
    static func picture(_ width: Int, _ height: Int, ink: [(Int, Int, Int, Int)], inkLevel: UInt8 = 0,
                        paper: UInt8 = 255) -> GrayImage {
        var gray = [UInt8](repeating: paper, count: width * height)
        for (x0, y0, w, h) in ink {
            for y in y0..<y0 + h { for x in x0..<x0 + w { gray[y * width + x] = inkLevel } }
        }
        return GrayImage(width: width, height: height, gray: gray)
    }

    /// Intensity centre of mass in pixel indices (pixel (i, j) at (i, j)), the way MNIST centred its digits.
    static func centreOfMass(_ pixels: ArraySlice<UInt8>) -> (x: Double, y: Double) {
        var (m, mx, my) = (0.0, 0.0, 0.0)
        for (i, v) in pixels.enumerated() {
            m += Double(v)
            mx += Double(v) * Double(i % 28)
            my += Double(v) * Double(i / 28)
        }
        return (mx / m, my / m)
    }

    @Test func mnistCentresItsDigitsOnPixelFourteen() throws {
        // What the preparation imitates: over the test set the mass sits on pixel (14, 14).
        let test = try MNIST.load(.test, from: mnistFolder)
        let centres = (0..<test.count).map { Self.centreOfMass(test.image($0)) }
        let mean = (centres.map(\.x).reduce(0, +) / Double(test.count), centres.map(\.y).reduce(0, +) / Double(test.count))
        #expect(abs(mean.0 - 14) < 0.05 && abs(mean.1 - 14) < 0.05, "\(mean)")
    }

    @Test func centreOfMassLandsWithinHalfAPixelOfMNISTsCentre() throws {
        // An L: its mass is far from the middle of its box.
        let image = Self.picture(120, 90, ink: [(10, 10, 12, 60), (10, 58, 45, 12)])
        let com = Self.centreOfMass(try DigitPreparation.prepare(image).pixels[...])
        #expect(abs(com.x - 14) <= 0.5 && abs(com.y - 14) <= 0.5, "\(com)")
    }

    @Test func longerSideFillsTwentyPixelsAndAspectIsKept() throws {
        // A 2:1 block, tall.
        let pixels = try DigitPreparation.prepare(Self.picture(200, 200, ink: [(80, 20, 40, 80)])).pixels
        // Extents as ink summed across the block's middle (edges may fall between pixels).
        let height = (0..<28).map { Double(pixels[$0 * 28 + 14]) }.reduce(0, +) / 255
        let width = (0..<28).map { Double(pixels[14 * 28 + $0]) }.reduce(0, +) / 255
        #expect(abs(height - 20) <= 0.75, "height \(height)")
        #expect(abs(width - 10) <= 0.75, "width \(width)")
    }

    @Test func darkInkOnLightPaperIsInverted() throws {
        let dark = try DigitPreparation.prepare(Self.picture(60, 60, ink: [(20, 10, 10, 40)]))
        let light = try DigitPreparation.prepare(Self.picture(60, 60, ink: [(20, 10, 10, 40)], inkLevel: 255, paper: 0))
        #expect(dark.inverted && !light.inverted)
        #expect(dark.pixels == light.pixels)
        #expect(dark.pixels.max() == 255 && dark.pixels.first == 0)
    }

    @Test func blackAndWhiteStrokesOnTransparencyBothWork() throws {
        let (width, height) = (50, 50)
        let alpha = Self.picture(width, height, ink: [(20, 10, 8, 30)]).gray.map { 255 - $0 }
        let black = GrayImage(width: width, height: height, gray: .init(repeating: 0, count: width * height), alpha: alpha)
        let white = GrayImage(width: width, height: height, gray: .init(repeating: 255, count: width * height), alpha: alpha)
        let opaque = try DigitPreparation.prepare(Self.picture(width, height, ink: [(20, 10, 8, 30)]))
        #expect(try DigitPreparation.prepare(black).pixels == opaque.pixels)
        #expect(try DigitPreparation.prepare(white).pixels == opaque.pixels)
    }

    @Test func unevenLightAndTintedPaperDoNotChangeTheDigit() throws {
        let plain = Self.picture(120, 120, ink: [(40, 20, 14, 80), (40, 20, 50, 14)])
        var shaded = plain
        for y in 0..<120 {
            for x in 0..<120 {
                // Light falls to 55% across the picture; paper is tinted to 230.
                shaded.gray[y * 120 + x] = UInt8(Float(plain.gray[y * 120 + x]) * 230 / 255 * (1 - 0.45 * Float(x) / 120))
            }
        }
        let a = try DigitPreparation.prepare(plain).pixels, b = try DigitPreparation.prepare(shaded).pixels
        let difference = zip(a, b).map { abs(Int($0) - Int($1)) }.reduce(0, +) / a.count
        #expect(difference <= 4, "mean difference \(difference) of 255")
    }

    @Test func specksAwayFromTheDigitAreIgnored() throws {
        let clean = Self.picture(150, 150, ink: [(60, 30, 12, 80)])
        let speckled = Self.picture(150, 150, ink: [(60, 30, 12, 80), (5, 5, 2, 2), (140, 140, 3, 2), (120, 20, 2, 2)])
        let a = try DigitPreparation.prepare(clean), b = try DigitPreparation.prepare(speckled)
        #expect(a.pixels == b.pixels)
        #expect(b.box.x >= 55 && b.box.y >= 25 && b.box.width <= 20 && b.box.height <= 90)
    }

    @Test func thinPenStrokesAreThickenedToMNISTWidth() throws {
        // A 2-pixel line on a 400-pixel canvas would average down to a faint thread.
        let prepared = try DigitPreparation.prepare(Self.picture(400, 400, ink: [(200, 50, 2, 300), (120, 50, 80, 2)]))
        let row = prepared.pixels[14 * 28..<15 * 28]
        #expect(row.count { $0 >= 128 } >= 2, "\(Array(row))")
    }

    /// The grey-level dilation and erosion (runs from the left and the right within windows' lengths) give what
    /// a search of each pixel's square gives, at the picture's edges, for radii below and above its sides.
    @Test(arguments: [(width: 37, height: 23, radius: 1), (37, 23, 5), (13, 50, 20), (120, 90, 30)])
    func greyLevelFiltersTakeTheExtremeOfEachSquare(_ size: (width: Int, height: Int, radius: Int)) {
        var generator = SplitMix64(seed: 7)
        let (w, h, r) = size
        let plane = Plane(width: w, height: h, values: (0..<w * h).map { _ in Float(generator.nextUnit()) })
        let (dilated, eroded) = (plane.dilated(radius: r), plane.eroded(radius: r))
        var wrong = 0
        for y in 0..<h {
            for x in 0..<w {
                let square = (max(0, y - r)...min(h - 1, y + r)).flatMap { yy in (max(0, x - r)...min(w - 1, x + r)).map { plane[$0, yy] } }
                if dilated[x, y] != square.max() || eroded[x, y] != square.min() { wrong += 1 }
            }
        }
        #expect(wrong == 0)
        // The closing, its row passes run side by side, is the dilation then the erosion (light ink: the other way).
        #expect(plane.closed(radius: r, inkIsDark: true) == dilated.eroded(radius: r))
        #expect(plane.closed(radius: r, inkIsDark: false) == eroded.dilated(radius: r))
    }

    /// Extending a picture repeats its edge pixels outwards.
    @Test func extendingRepeatsTheEdges() {
        let plane = Plane(width: 2, height: 2, values: [1, 2, 3, 4])
        #expect(plane.extended(by: 1) == Plane(width: 4, height: 4, values: [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]))
    }

    @Test func largePicturesDoNotAlias() throws {
        // The same digit at 240 and 2,400 pixels: area averaging gives nearly the same 28×28.
        let test = try MNIST.load(.test, from: mnistFolder)
        func drawn(_ scale: Float) -> GrayImage {
            var style = PictureStyle(name: "size", scale: scale, canvas: (Int(30 * scale), Int(30 * scale)))
            style.position = (0.5, 0.5)
            let rgba = style.render(test.image(0), seed: 1)
            return GrayImage(width: style.canvas.width, height: style.canvas.height,
                             gray: stride(from: 0, to: rgba.count, by: 4).map { rgba[$0] })
        }
        let small = try DigitPreparation.prepare(drawn(8)).pixels
        let large = try DigitPreparation.prepare(drawn(80)).pixels
        let difference = zip(small, large).map { abs(Int($0) - Int($1)) }.reduce(0, +) / small.count
        #expect(difference <= 6, "mean difference \(difference) of 255")
    }

    @Test(arguments: [UInt8(255), 128, 0])
    func aPictureWithoutInkIsNoDigit(_ level: UInt8) {
        #expect(throws: PreparationError.noDigit) { try DigitPreparation.prepare(Self.picture(64, 48, ink: [], paper: level)) }
    }

    @Test func noiseAloneIsNoDigit() {
        var generator = SplitMix64(seed: 3)
        let gray = (0..<100 * 100).map { _ in UInt8(200 + generator.nextIndex(below: 12)) }
        #expect(throws: PreparationError.noDigit) {
            try DigitPreparation.prepare(GrayImage(width: 100, height: 100, gray: gray))
        }
    }
}
