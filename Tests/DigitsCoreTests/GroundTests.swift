import Testing
@testable import DigitsCore

/// The ground a sheet of paper lies on (`Ground`): found, painted over with the paper, and told apart from
/// what is not ground: a light digit on a dark ground, a blackboard with chalk on it, uneven lighting.
@Suite struct GroundTests {
    /// A plane of `width` × `height` at `level`, with the rectangles `boxes` (x, y, width, height) at their levels.
    static func plane(_ width: Int, _ height: Int, level: Float, _ boxes: [(Int, Int, Int, Int, Float)] = []) -> Plane {
        var plane = Plane(width: width, height: height, values: .init(repeating: level, count: width * height))
        paint(boxes, on: &plane)
        return plane
    }

    static func paint(_ boxes: [(Int, Int, Int, Int, Float)], on plane: inout Plane) {
        for (x0, y0, w, h, value) in boxes {
            for y in y0..<y0 + h { for x in x0..<x0 + w { plane[x, y] = value } }
        }
    }

    /// Ink on the paper: a few thin strokes, as a number's, in the box (x, y, width, height).
    static func strokes(in box: (x: Int, y: Int, width: Int, height: Int), level: Float = 0.1)
        -> [(Int, Int, Int, Int, Float)] {
        stride(from: box.x, to: box.x + box.width - 3, by: 12).flatMap { x in
            [(x, box.y, 3, box.height, level), (x, box.y, 9, 3, level)]
        }
    }

    /// Erosion and dilation by hand: a 3 × 3 block erodes to its centre, and to its left edge's middle pixel too
    /// where it touches the picture's edge (beyond it counts as in); a lone pixel erodes to nothing and dilates to
    /// a 3 × 3 block.
    @Test func maskErosionAndDilation() {
        // 7 × 5: a 3 × 3 block at (0...2, 1...3), touching the left edge, and a lone pixel at (5, 2).
        var bits = [Bool](repeating: false, count: 35)
        for y in 1...3 { for x in 0...2 { bits[y * 7 + x] = true } }
        bits[2 * 7 + 5] = true
        let mask = Mask(bits, width: 7, height: 5)
        func pixels(_ m: Mask) -> [Int] { m.bits.indices.filter { m.bits[$0] } }
        #expect(pixels(mask.eroded(1)) == [2 * 7 + 0, 2 * 7 + 1])
        let dilated = Mask([Bool](repeating: false, count: 35).enumerated().map { $0.offset == 2 * 7 + 5 }, width: 7, height: 5)
            .dilated(1)
        #expect(pixels(dilated) == [1, 2, 3].flatMap { y in [4, 5, 6].map { y * 7 + $0 } })
        #expect(mask.parts().map { $0.count }.sorted() == [1, 9])
    }

    /// The largest disc inside a 5 × 5 block of a 9 × 9 mask has a radius of 3 (from its centre, three steps to a
    /// pixel out); inside the whole 9 × 9, 5 (the edge counts as out); and inside a 9 × 9 block turned by 45° (a
    /// diamond), about the same as inside the upright one: within the chamfer distance's 8%.
    @Test func inscribedRadius() {
        func mask(_ inside: (Int, Int) -> Bool, side: Int) -> Mask {
            Mask((0..<side * side).map { inside($0 % side, $0 / side) }, width: side, height: side)
        }
        #expect(mask({ (2...6).contains($0) && (2...6).contains($1) }, side: 9).inscribedRadius() == 3)
        #expect(mask({ _, _ in true }, side: 9).inscribedRadius() == 5)
        let upright = mask({ (20...60).contains($0) && (20...60).contains($1) }, side: 81).inscribedRadius()
        let diamond = mask({ abs($0 - 40) + abs($1 - 40) <= 29 }, side: 81).inscribedRadius()
        #expect(upright == 21)
        #expect(abs(diamond - upright) <= 0.08 * upright, "\(diamond) against \(upright)")
    }

    /// A desk (0.2) down the left third and across the top, the paper (0.9) with a number on it: the desk takes the
    /// paper's level, and the ink keeps its own.
    @Test func aDeskBesideThePaperIsPaintedOver() throws {
        var plane = Self.plane(400, 300, level: 0.9, [(0, 0, 130, 300, 0.2), (0, 0, 400, 60, 0.2)])
        Self.paint(Self.strokes(in: (200, 150, 100, 30)), on: &plane)
        let result = Ground.covered(plane)
        let covered = try #require(result)
        #expect(covered.values.allSatisfy { $0 >= 0.85 || $0 <= 0.15 })
        #expect(covered[10, 10] == 0.9 && covered[10, 250] == 0.9 && covered[300, 10] == 0.9)
        #expect(covered[200, 170] == 0.1)
    }

    /// The same with the paper a sheet in the middle of the desk, a sixth of the picture: the desk is most of it.
    @Test func aDeskAllRoundASheetIsPaintedOver() throws {
        var plane = Self.plane(400, 300, level: 0.2, [(120, 90, 170, 120, 0.85)])
        Self.paint(Self.strokes(in: (150, 140, 80, 20)), on: &plane)
        #expect(plane.median() < 0.5)
        let result = Ground.covered(plane)
        let covered = try #require(result)
        #expect(covered.median() > 0.5)
        #expect(covered[0, 0] == 0.85 && covered[399, 299] == 0.85 && covered[150, 150] == 0.1)
    }

    /// A bold light digit on a dark ground (a "1": a bar 40 pixels wide, with a flag and a base) is strokes, not a
    /// sheet, however large: no ground.
    @Test func aBoldLightDigitOnADarkGroundIsNoGround() {
        let plane = Self.plane(300, 300, level: 0.05,
                               [(130, 30, 40, 240, 0.95), (90, 30, 40, 40, 0.95), (90, 230, 120, 40, 0.95)])
        #expect(Ground.covered(plane) == nil, "ground found")
    }

    /// A bold light "0" on a dark ground: a ring 60 pixels thick round a dark inside. The inside is a hole in it but
    /// solid ground, not writing, so it is not filled in, and the ring is strokes: no ground.
    @Test func aBoldLightZeroOnADarkGroundIsNoGround() {
        let plane = Self.plane(300, 300, level: 0.05, [(30, 30, 240, 240, 0.95), (90, 90, 120, 120, 0.05)])
        #expect(Ground.covered(plane) == nil, "ground found")
    }

    /// A blackboard (0.15) over the left 70% with the wall (0.9) beside it: with chalk on the board the board is the
    /// page, not ground; a bare board beside the wall would be ground.
    @Test(arguments: [true, false])
    func aBlackboardWithChalkOnItIsNoGround(_ chalk: Bool) {
        var plane = Self.plane(400, 300, level: 0.15, [(280, 0, 120, 300, 0.9)])
        if chalk {
            Self.paint(Self.strokes(in: (60, 100, 150, 60), level: 0.8), on: &plane)
        }
        let found = Ground.covered(plane) != nil
        #expect(found != chalk)
    }

    /// Paper lit unevenly, from 0.5 on the left to 1 on the right, with a number on it: Otsu's threshold splits the
    /// paper, but its darker half is no desk.
    @Test func unevenLightingIsNoGround() {
        var plane = Self.plane(400, 300, level: 1)
        for y in 0..<300 { for x in 0..<400 { plane[x, y] = 0.5 + 0.5 * Float(x) / 399 } }
        Self.paint(Self.strokes(in: (150, 140, 80, 20)), on: &plane)
        #expect(Ground.covered(plane) == nil, "ground found")
    }

    /// A small picture (a digit or two, a training piece) is left alone, desk or not.
    @Test func smallPicturesAreLeftAlone() {
        let plane = Self.plane(100, 80, level: 0.9, [(0, 0, 40, 80, 0.2)])
        #expect(Ground.covered(plane) == nil, "ground found")
        let larger = Ground.covered(Self.plane(400, 320, level: 0.9, [(0, 0, 160, 320, 0.2)])) != nil
        #expect(larger)
    }
}
