import Foundation
import Testing
@testable import DigitsCore

/// A form's boxes are paper (`FormBoxes`): erased before the ink's parts are found, digits kept.
@Suite struct FormBoxesTests {
    /// White paper, 200 × 200, with black strokes drawn by `draw`.
    private func picture(_ draw: (inout GrayImage) -> Void) -> GrayImage {
        var image = GrayImage(width: 200, height: 200, gray: .init(repeating: 255, count: 200 * 200))
        draw(&image)
        return image
    }

    private func ink(_ image: inout GrayImage, x: ClosedRange<Int>, y: ClosedRange<Int>) {
        for row in y { for column in x { image.gray[row * 200 + column] = 0 } }
    }

    /// A box 3 pixels thick round an upright stroke that touches its bottom: the box goes, the stroke stays, one
    /// part, less the rows it had in the box's line.
    @Test func aBoxIsErasedAndTheStrokeTouchingItStays() throws {
        let image = picture { image in
            ink(&image, x: 40...160, y: 40...42)      // top
            ink(&image, x: 40...160, y: 158...160)    // bottom
            ink(&image, x: 40...42, y: 40...160)      // left
            ink(&image, x: 158...160, y: 40...160)    // right
            ink(&image, x: 96...103, y: 70...158)     // a 1, standing on the bottom
        }
        let map = try InkMap(image)
        #expect(map.parts.count == 1)
        let part = try #require(map.parts.first)
        #expect((95...97).contains(part.minX) && (102...104).contains(part.maxX), "\(part)")
        #expect((69...71).contains(part.minY) && (148...156).contains(part.maxY), "\(part)")
    }

    /// A box in a photo taken 3° off (its sides sloping by 5%) is a box still.
    @Test func aBoxTurnedThreeDegreesIsErased() throws {
        let (c, s): (Float, Float) = (cos(Float.pi / 60), sin(Float.pi / 60))
        func turned(_ x: Float, _ y: Float) -> (x: Float, y: Float) { (100 + c * x - s * y, 100 + s * x + c * y) }
        let image = picture { image in
            // The square's corners, 60 pixels from the middle, turned; each side drawn 3 pixels thick.
            let corners = [turned(-60, -60), turned(60, -60), turned(60, 60), turned(-60, 60)]
            for (a, b) in zip(corners, corners.dropFirst() + [corners[0]]) {
                for t in stride(from: Float(0), through: 1, by: 0.002) {
                    let (x, y) = (Int(a.x + (b.x - a.x) * t), Int(a.y + (b.y - a.y) * t))
                    ink(&image, x: x - 1...x + 1, y: y - 1...y + 1)
                }
            }
            ink(&image, x: 96...103, y: 70...130)     // a 1, apart from the box
        }
        let map = try InkMap(image)
        #expect(map.parts.count == 1, "\(map.parts)")
        #expect(map.parts.first.map { $0.height == 61 && $0.width == 8 } == true, "\(map.parts)")
    }

    /// A cell of a grid, its lines going on beyond its corners (squared paper or a table broken into pieces at
    /// the threshold), is not a box: left whole, to the ruled lines.
    @Test func aCellWhoseLinesGoOnIsNotABox() throws {
        // Lines 71 pixels long in a picture of 200: too short for ruled lines (40% of the width), so that only the
        // boxes' rule is at work.
        let image = picture { image in
            for at in [30, 78] {
                ink(&image, x: 20...90, y: at...at + 2)
                ink(&image, x: at...at + 2, y: 20...90)
            }
        }
        let map = try InkMap(image)
        #expect(map.parts.count == 1, "\(map.parts)")
        #expect(map.parts.first.map { $0.minX == 20 && $0.maxX == 90 && $0.minY == 20 && $0.maxY == 90 } == true)
    }

    /// A picture of MNIST's size is a digit, not a form (`InkMap.smallestPage`): a 0 written square is kept, and so
    /// are the pieces the networks are trained on.
    @Test func aSquareZeroOfMNISTsSizeIsADigit() throws {
        var image = GrayImage(width: 28, height: 28, gray: .init(repeating: 255, count: 28 * 28))
        for i in 6...21 { for t in [6, 7, 20, 21] { (image.gray[t * 28 + i], image.gray[i * 28 + t]) = (0, 0) } }
        let map = try InkMap(image)
        #expect(map.parts.count == 1 && map.parts.first?.width == 16, "\(map.parts)")
    }

    /// A ring as wide as a box is a 0, not a box: round at the corners.
    @Test func aRingIsNotABox() throws {
        let image = picture { image in
            for t in stride(from: Float(0), to: 2 * .pi, by: 0.001) {
                let (x, y) = (Int(100 + 60 * cos(t)), Int(100 + 60 * sin(t)))
                ink(&image, x: x - 2...x + 2, y: y - 2...y + 2)
            }
        }
        let map = try InkMap(image)
        #expect(map.parts.count == 1)
        #expect(map.parts.first.map { $0.width > 100 && $0.height > 100 } == true)
    }

    /// Boxes sharing their walls: the walls inside go too, and the digits between them are all that is left.
    @Test func theWallsBetweenBoxesAreErased() throws {
        let image = picture { image in
            ink(&image, x: 10...190, y: 60...61)
            ink(&image, x: 10...190, y: 139...140)
            for x in [10, 70, 130, 189] { ink(&image, x: x...x + 1, y: 60...140) }
            for x in [38, 98, 158] { ink(&image, x: x...x + 5, y: 80...120) }   // three 1s
        }
        let map = try InkMap(image)
        #expect(map.parts.count == 3, "\(map.parts)")
        #expect(map.parts.allSatisfy { $0.width <= 8 && (36...46).contains($0.height) }, "\(map.parts)")
    }

    /// A row of five boxes sharing their walls, in a photo taken 3° or 5° off: its end walls stand 9 or 16 pixels
    /// higher or lower than its middle, and the row is a box all the same, its walls erased; five 1s are left. (Its
    /// end walls were once checked between the top and bottom as they are in the middle, missed, and the row left
    /// whole: 11 parts, its six walls beside the 1s; and sides were not looked for beyond a slope of 6%, 3.4°.)
    @Test(arguments: [3, 5])
    func theWallsOfARowTurnedAFewDegreesAreErased(degrees: Int) throws {
        let (width, height) = (420, 200)
        var image = GrayImage(width: width, height: height, gray: .init(repeating: 255, count: width * height))
        let (c, s): (Float, Float) = (cos(Float(degrees) * .pi / 180), sin(Float(degrees) * .pi / 180))
        func stroke(from a: (Float, Float), to b: (Float, Float), half: Int) {
            for t in stride(from: Float(0), through: 1, by: 0.001) {
                let (u, v) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
                let (x, y) = (Int(210 + c * u - s * v), Int(100 + s * u + c * v))
                for row in y - half...y + half { for column in x - half...x + half { image.gray[row * width + column] = 0 } }
            }
        }
        stroke(from: (-180, -40), to: (180, -40), half: 1)
        stroke(from: (-180, 40), to: (180, 40), half: 1)
        for x in stride(from: Float(-180), through: 180, by: 72) { stroke(from: (x, -40), to: (x, 40), half: 1) }
        for x in stride(from: Float(-144), through: 144, by: 72) { stroke(from: (x, -20), to: (x, 20), half: 2) }   // 1s
        let map = try InkMap(image)
        #expect(map.parts.count == 5, "\(map.parts)")
        #expect(map.parts.allSatisfy { $0.width <= 10 && (40...46).contains($0.height) }, "\(map.parts)")
    }

    /// A box far longer than it is tall, whose allowance for tilt along its length is more than its height, and
    /// boxes nested one in another: found or not, the map is made (the space inside such a box had been a range
    /// whose end came before its start, a crash).
    @Test func longLowAndNestedBoxesDoNotCrash() throws {
        var image = GrayImage(width: 400, height: 100, gray: .init(repeating: 255, count: 400 * 100))
        for x in 10...390 { for y in [40, 41, 54, 55] { image.gray[y * 400 + x] = 0 } }
        for y in 40...55 { for x in [10, 11, 389, 390] { image.gray[y * 400 + x] = 0 } }
        _ = try? InkMap(image)
        let nested = picture { image in
            for k in stride(from: 0, to: 100, by: 6) {
                ink(&image, x: k...199 - k, y: k...k + 1)
                ink(&image, x: k...199 - k, y: 198 - k...199 - k)
                ink(&image, x: k...k + 1, y: k...199 - k)
                ink(&image, x: 198 - k...199 - k, y: k...199 - k)
            }
        }
        _ = try? InkMap(nested)
    }

    /// Numbers written into forms (MNIST test digits that read alone), one digit to a box, boxes apart or sharing
    /// walls, or framed: read as the number, not with the box's sides as 1s and 0s.
    @Test(arguments: BoxedNumber.Kind.allCases)
    func aNumberInAFormReads(_ kind: BoxedNumber.Kind) throws {
        let digits = try [3, 7, 1, 4].enumerated().map { try NumberReadingTests.index(of: $0.element, skipping: $0.offset) }
        let form = BoxedNumber(digits: digits, kind: kind, lineInk: 200)
        let (rgba, width, height) = form.render(try PictureTests.test.get(), style: PictureStyle(name: "dark on white"), seed: 1)
        #expect(try NumberReadingTests.read(rgba, width: width, height: height) == "3714")
    }
}
