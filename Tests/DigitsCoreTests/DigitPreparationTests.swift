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
        // A 5:1 block, tall. (A wider one is as bold as a marker's stroke, and thinned: see below.)
        let pixels = try DigitPreparation.prepare(Self.picture(200, 200, ink: [(92, 20, 16, 80)])).pixels
        // Extents as ink summed across the block's middle (edges may fall between pixels).
        let height = (0..<28).map { Double(pixels[$0 * 28 + 14]) }.reduce(0, +) / 255
        let width = (0..<28).map { Double(pixels[14 * 28 + $0]) }.reduce(0, +) / 255
        #expect(abs(height - 20) <= 0.75, "height \(height)")
        #expect(abs(width - 4) <= 0.75, "width \(width)")
    }

    @Test func darkInkOnLightPaperIsInverted() throws {
        let dark = try DigitPreparation.prepare(Self.picture(60, 60, ink: [(20, 10, 10, 40)]))
        let light = try DigitPreparation.prepare(Self.picture(60, 60, ink: [(20, 10, 10, 40)], inkLevel: 255, paper: 0))
        #expect(dark.inverted && !light.inverted)
        #expect(dark.pixels == light.pixels)
        #expect(dark.pixels.max() == 255 && dark.pixels.first == 0)
    }

    /// Which way the ink goes is read from the picture's own darkest and brightest levels, not from mid-grey:
    /// black ink on paper at a third of the light (an underexposed photo), chalk on a blackboard, and white ink on
    /// a light grey ground, whose paper and ground lie on the other side of mid-grey than their kind usually does.
    @Test(arguments: [(ink: UInt8(0), paper: UInt8(76), dark: true), (200, 50, false), (255, 150, false), (0, 255, true)])
    func inkIsDarkOrLightByThePicturesOwnEnds(_ levels: (ink: UInt8, paper: UInt8, dark: Bool)) throws {
        let picture = Self.picture(300, 200, ink: [(60, 40, 8, 120), (150, 40, 60, 8), (200, 60, 8, 100)],
                                   inkLevel: levels.ink, paper: levels.paper)
        let map = try InkMap(picture)
        #expect(map.inverted == levels.dark)
        #expect(map.parts.count == 3)
    }

    /// Black strokes on a page three quarters in shadow (paper at 105 there, 245 in the lit quarter): the
    /// shadowed paper lies nearer the ink's level than the lit paper's by difference, not by ratio.
    @Test func inkIsDarkOnAPageMostlyInShadow() {
        var picture = Self.picture(300, 200, ink: [(60, 40, 8, 120), (150, 40, 60, 8), (200, 60, 8, 100)],
                                   inkLevel: 10, paper: 245)
        for y in 0..<200 {
            for x in 75..<300 { picture.gray[y * 300 + x] = UInt8(Float(picture.gray[y * 300 + x]) * 105 / 245) }
        }
        let plane = DigitPreparation.composite(picture)
        let (median, middle) = (plane.median(), (plane.values.min()! + plane.values.max()!) / 2)
        #expect(median < middle)
        let dark = DigitPreparation.inkIsDark(plane)
        #expect(dark)
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

    @Test func markerStrokesAreThinnedTowardMNISTWidth() {
        // A frame 120 × 160 with strokes 40 wide round a 40 × 80 hole: area 16,000, boundary 556 + 240 pixels,
        // so strokes of 2 · 16,000 / 796 = 40.2 pixels where MNIST's, 2 of 20, would be 16 at this size: more
        // than twice. Eroded by (40.2 − 1.4 · 16) / 2 ≈ 9 pixels, to strokes of 22; the box shrinks by as much.
        func frame(stroke: Int) -> Plane {
            var plane = Plane(width: 200, height: 200, values: .init(repeating: 0, count: 200 * 200))
            for y in 20..<180 {
                for x in 40..<160 where !(40 + stroke..<160 - stroke).contains(x) || !(20 + stroke..<180 - stroke).contains(y) {
                    plane[x, y] = 1
                }
            }
            return plane
        }
        var bold = frame(stroke: 40)
        let box = DigitPreparation.strokesToMNISTWidth(&bold, in: (40, 20, 120, 160))
        #expect(box == (49, 29, 102, 142))
        #expect(bold[48, 100] == 0 && bold[49, 100] == 1 && bold[70, 100] == 1 && bold[71, 100] == 0)
        #expect(bold[100, 28] == 0 && bold[100, 29] == 1 && bold[100, 50] == 1 && bold[100, 51] == 0)
        // Pieces made for training keep MNIST's own bold strokes (`PieceDrawing`).
        var kept = frame(stroke: 40)
        let keptBox = DigitPreparation.strokesToMNISTWidth(&kept, in: (40, 20, 120, 160), thinningBold: false)
        #expect(keptBox == (40, 20, 120, 160) && kept.values == frame(stroke: 40).values)
        // Strokes of 30, under twice MNIST's, are left as they are.
        var firm = frame(stroke: 30)
        let same = DigitPreparation.strokesToMNISTWidth(&firm, in: (40, 20, 120, 160))
        #expect(same == (40, 20, 120, 160) && firm.values == frame(stroke: 30).values)
    }

    /// The first 100 test digits made bolder by two pixels all round (a marker), with paper round them, read alone
    /// and as numbers by the shipped network: 80 and 75 of them before their strokes were thinned, now 84 and 82.
    @Test func markerDigitsRead() throws {
        let network = try committedModel.get()
        let test = try PictureTests.test.get()
        var (alone, asNumbers) = (0, 0)
        for index in 0..<100 {
            let image = try PaperAroundTests.croppedDigit(index, scale: 8, thickening: 2, margin: 4)
            let label = Int(test.labels[index])
            if let prepared = try? DigitPreparation.prepare(image), DigitReading(prepared: prepared, network: network).digit == label {
                alone += 1
            }
            if (try? NumberReading.read(image, score: network.scorer()))?.map(\.digit) == [label] { asNumbers += 1 }
        }
        #expect(alone >= 82 && asNumbers >= 79, "\(alone), \(asNumbers)")
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
