import Foundation
import Testing
@testable import DigitsCore

/// Decimal points, minus signs, hyphens and commas among a number's digits, in real PNG and JPEG files, read by the model
/// the other number tests read with.
@Suite struct NumberSignsTests {
    static func number(_ digits: [Int], _ spacing: NumberPicture.Spacing, signs: [Int: Character]) throws -> NumberPicture {
        var number = try NumberReadingTests.number(digits, spacing)
        number.signs = signs
        return number
    }

    static func text(_ number: NumberPicture, jpeg: Bool = false) throws -> String {
        let (rgba, width, height) = try NumberReadingTests.rendered(number)
        return NumberReading.text(of: try NumberReadingTests.readings(rgba, width: width, height: height, jpeg: jpeg))
    }

    @Test(arguments: [NumberPicture.Spacing.wide, .normal, .narrow], [false, true])
    func aDecimalPointReads(_ spacing: NumberPicture.Spacing, jpeg: Bool) throws {
        #expect(try Self.text(Self.number([3, 1, 4], spacing, signs: [1: "."]), jpeg: jpeg) == "3.14")
        #expect(try Self.text(Self.number([2, 0, 2, 6], spacing, signs: [3: "."]), jpeg: jpeg) == "202.6")
    }

    @Test(arguments: [NumberPicture.Spacing.wide, .normal, .narrow])
    func minusSignsAndHyphensRead(_ spacing: NumberPicture.Spacing) throws {
        #expect(try Self.text(Self.number([3, 7], spacing, signs: [0: "-"])) == "-37")
        #expect(try Self.text(Self.number([4, 9, 5, 8], spacing, signs: [0: "-", 2: "."])) == "-49.58")
        #expect(try Self.text(Self.number([2, 0, 2, 6, 1, 2], spacing, signs: [4: "-"])) == "2026-12")
    }

    /// A decimal comma and commas that set thousands apart read as written.
    @Test(arguments: [NumberPicture.Spacing.wide, .normal, .narrow], [false, true])
    func commasRead(_ spacing: NumberPicture.Spacing, jpeg: Bool) throws {
        #expect(try Self.text(Self.number([3, 1, 4], spacing, signs: [1: ","]), jpeg: jpeg) == "3,14")
        #expect(try Self.text(Self.number([2, 0, 2, 6], spacing, signs: [1: ","]), jpeg: jpeg) == "2,026")
        #expect(try Self.text(Self.number([3, 7, 1, 4, 9, 5, 8], spacing, signs: [1: ",", 4: ","]), jpeg: jpeg) == "3,714,958")
    }

    /// The sign is carried by the digit after it, and `--json`'s answer names it there.
    @Test func theSignIsOnTheDigitAfterIt() throws {
        let (rgba, width, height) = try NumberReadingTests.rendered(Self.number([3, 1, 4], .normal, signs: [1: "."]))
        let readings = try NumberReadingTests.readings(rgba, width: width, height: height)
        #expect(readings.map(\.sign) == ["", ".", ""])
        #expect(readings.map { DigitAnswer($0).sign } == [nil, ".", nil])
    }

    /// `--boxes` drawings write the sign before the reading of the digit that carries it, in the gap before its box.
    @Test(arguments: [Character("."), ","])
    func theBoxDrawingWritesTheSign(_ sign: Character) throws {
        let (rgba, width, height) = try NumberReadingTests.rendered(Self.number([3, 1, 4], .wide, signs: [1: sign]))
        let folder = TemporaryFolder()
        let path = folder.write("number.png", PNGWriter(colorType: .rgba, bitDepth: 8).encode(rgba: rgba, width: width, height: height))
        let image = try PictureFile.read(from: path, minimumSide: DigitPreparation.decodingSide)
        var readings = try NumberReading.read(image, score: committedModel.get().scorer())
        try #require(readings.map(\.sign) == ["", String(sign), ""])
        try BoxDrawing.write(image, readings: readings, to: folder.path + "/signed.png")
        readings[1].sign = ""
        try BoxDrawing.write(image, readings: readings, to: folder.path + "/unsigned.png")
        let (signed, unsigned) = (try PictureFile.read(from: folder.path + "/signed.png"), try PictureFile.read(from: folder.path + "/unsigned.png"))
        let differing = signed.gray.indices.filter { signed.gray[$0] != unsigned.gray[$0] }
        let left = readings[1].prepared.box.x / image.reduction
        #expect(!differing.isEmpty)
        #expect(differing.allSatisfy { $0 % signed.width < left }, "the sign is drawn before the box of the digit after it")
    }

    /// Specks between the digits (smaller than a stroke is wide, or as faint as the paper's shading), a point
    /// above the baseline, a point after the last digit (a full stop) and a dash below the middle (an underscore)
    /// are not signs: the year reads as it does alone.
    @Test func specksAndMarksOutOfPlaceAreNotSigns() throws {
        let number = try NumberReadingTests.number([2, 0, 2, 6], .wide)
        var (rgba, width, height) = try NumberReadingTests.rendered(number)
        #expect(NumberReading.text(of: try NumberReadingTests.readings(rgba, width: width, height: height)) == "2026")
        let readings = try NumberReadingTests.readings(rgba, width: width, height: height)
        let boxes = readings.map(\.prepared.box)
        func ink(_ x0: Int, _ y0: Int, _ w: Int, _ h: Int, level: UInt8 = 0) {
            for y in y0..<y0 + h { for x in x0..<x0 + w { for c in 0..<3 { rgba[4 * (y * width + x) + c] = level } } }
        }
        let (a, b, c, d) = (boxes[0], boxes[1], boxes[2], boxes[3])
        let gap = { (left: (x: Int, y: Int, width: Int, height: Int), right: (x: Int, y: Int, width: Int, height: Int)) in (left.x + left.width + right.x) / 2 }
        let bottom = a.y + a.height
        ink(gap(a, b), bottom - 3, 2, 2)                                   // a speck on the baseline
        ink(gap(b, c) - 4, a.y + a.height / 3, 8, 8)                       // a point up in the air
        ink(gap(c, d) - 12, bottom + 4, 24, 5)                             // an underscore below the line
        ink(d.x + d.width + 12, bottom - 8, 8, 8)                          // a full stop
        #expect(NumberReading.text(of: try NumberReadingTests.readings(rgba, width: width, height: height)) == "2026")
        // The same point on the baseline is one.
        ink(gap(b, c) - 4, bottom - 8, 8, 8)
        #expect(NumberReading.text(of: try NumberReadingTests.readings(rgba, width: width, height: height)) == "20.26")
    }

    /// A comma is told from a point by its tail below the baseline; after the last digit it is not a sign.
    @Test func aPointWithATailBelowTheLineIsAComma() throws {
        let number = try NumberReadingTests.number([2, 0, 2, 6], .wide)
        var (rgba, width, height) = try NumberReadingTests.rendered(number)
        let boxes = try NumberReadingTests.readings(rgba, width: width, height: height).map(\.prepared.box)
        func ink(_ x0: Int, _ y0: Int, _ w: Int, _ h: Int) {
            for y in y0..<y0 + h { for x in x0..<x0 + w { for c in 0..<3 { rgba[4 * (y * width + x) + c] = 0 } } }
        }
        let (b, c, d) = (boxes[1], boxes[2], boxes[3])
        let (bottom, tail) = (boxes[0].y + boxes[0].height, boxes[0].height / 4)
        func comma(at x: Int) {
            ink(x, bottom - 8, 8, 8)                                       // the head on the baseline
            ink(x - 2, bottom, 5, tail)                                    // the tail, below it and to the left
        }
        comma(at: d.x + d.width + 12)                                      // after the last digit
        #expect(NumberReading.text(of: try NumberReadingTests.readings(rgba, width: width, height: height)) == "2026")
        comma(at: (b.x + b.width + c.x) / 2 - 4)
        #expect(NumberReading.text(of: try NumberReadingTests.readings(rgba, width: width, height: height)) == "20,26")
    }
}
