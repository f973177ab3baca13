// Boxes are paper. A form asks for a number one digit to a box, or in a row of boxes sharing their walls, and a
// note may have a frame drawn round it. A box's sides are straight strokes as tall as a digit or taller: a box
// round a digit reads as a 0, its walls as 1s, and a box that a digit touches makes one part with it. So,
// between the threshold and the parts (`InkMap`), before ruled lines (`RuledLines`, which would take a row of
// boxes' top and bottom for ruled lines and leave their walls standing), boxes are found and erased:
//  1. Each side of a part is the outermost row (or column), within `searchDepth` of the part's extent, that its
//     ink crosses along half its width (a digit touching its box may reach beyond it). The part is a box when
//     along each side, for at least `sideCoverage` of its length, its ink begins within a slack of the line
//     (1 pixel and `tilt` of the side's length, for a photo's tilt): the sides are straight, where a round stroke
//     curves away from any line, and a digit, however square, is round at its corners; its lines are thin beside
//     its size (at most `thickest` of its shorter side); no line runs across its inside (squared paper and a
//     table have rows, and are left to `RuledLines`); and it is not solid (`solidest`), as a desk or a shadow
//     round the page is.
//  2. Its ink in bands along the four sides, as thick as its lines and the slack, is erased, with the line's rim
//     just outside them, and so are its walls inside: strips of its ink running down at least `sideCoverage` of
//     the space between its top and its bottom (a row of boxes sharing walls). A digit touching a box loses the
//     pixels it has in the box's lines, and stays.
// What it cannot tell: a digit's straight stroke lying along a box's side goes with the box, and a 1 written from
// a box's top to its bottom is a wall. Not found: a box broken into pieces at a corner, or tilted more than its
// slack, and a comb (ticks along a line). (Chosen on the validation pictures of `scripts/number-accuracy
// --boxes`, every other measuring set reading as before.)
enum FormBoxes {
    static let sideCoverage: Float = 0.9
    static let tilt: Float = 0.02
    static let thickest: Float = 0.15
    static let searchDepth: Float = 0.15
    /// A part with more of its ink than this inside it (ink all round) is solid: a desk, not lines. Lines 6 pixels
    /// thick, blurred, have about 80% so.
    static let solidest: Float = 0.9
    /// A side is the outermost row crossed along half the part's width; the line's fainter edge lies outside it,
    /// this many pixels at most, and is erased with it.
    static let rim = 2
    /// Parts smaller than this on either side (pixels of the map) are strokes, not boxes.
    static let smallestSide = 12

    /// Erases the boxes from `plane`, whose ink is labelled part by part in `label` (`parts`); whether it erased
    /// any. If it did, the labels no longer match the plane.
    static func erase(from plane: inout Plane, label: [Int32], parts: [InkMap.Part]) -> Bool {
        var erased = false
        for (id, part) in parts.enumerated() where part.width >= smallestSide && part.height >= smallestSide {
            guard let box = Box(Int32(id), part, label: label, width: plane.width) else { continue }
            box.erase(from: &plane, label: label)
            erased = true
        }
        return erased
    }

    /// A part found to be a box: the rows and columns of its sides, and how far in from them its lines' bands reach.
    private struct Box {
        let id: Int32
        let minX: Int, minY: Int, maxX: Int, maxY: Int
        /// How far in from the top and bottom (`across`) and from the left and right (`down`) the lines' bands reach.
        let band: (across: Int, down: Int)

        init?(_ id: Int32, _ part: InkMap.Part, label: [Int32], width: Int) {
            func ink(_ x: Int, _ y: Int) -> Bool { label[y * width + x] == id }
            // Each side: the outermost row (column) within `searchDepth` of the part's extent that its ink crosses
            // along half its width (height) at least; a digit touching its box may reach beyond the box.
            let (deepX, deepY) = (Int(searchDepth * Float(part.width)), Int(searchDepth * Float(part.height)))
            let crossed = { (y: Int) in 2 * (part.minX...part.maxX).count { ink($0, y) } >= part.width }
            let climbed = { (x: Int) in 2 * (part.minY...part.maxY).count { ink(x, $0) } >= part.height }
            guard let minY = (part.minY...part.minY + deepY).first(where: crossed),
                  let maxY = (part.maxY - deepY...part.maxY).reversed().first(where: crossed),
                  let minX = (part.minX...part.minX + deepX).first(where: climbed),
                  let maxX = (part.maxX - deepX...part.maxX).reversed().first(where: climbed),
                  maxX - minX >= smallestSide, maxY - minY >= smallestSide
            else { return nil }
            (self.id, self.minX, self.minY, self.maxX, self.maxY) = (id, minX, minY, maxX, maxY)
            // Along each side, inward from it: how far the first ink lies and how thick its run is.
            let (w, h) = (maxX - minX + 1, maxY - minY + 1)
            let slack = (across: 1 + Int(tilt * Float(w)), down: 1 + Int(tilt * Float(h)))
            var runs: [Int] = []
            func firstRun(along positions: ClosedRange<Int>, depth: Int, reach: Int,
                          _ at: (Int, Int) -> Bool) -> Int {
                // The positions with ink within `reach` of the side; each one's run of ink from there.
                var covered = 0
                for p in positions {
                    guard let start = (0..<min(reach, depth)).first(where: { at(p, $0) }) else { continue }
                    covered += 1
                    var end = start
                    while end + 1 < depth && at(p, end + 1) { end += 1 }
                    runs.append(end - start + 1)
                }
                return covered
            }
            // The share of each side's length where its ink begins within `reach` of it: top, bottom, left, right.
            func sides(reach: (across: Int, down: Int)) -> [Float] {
                [Float(firstRun(along: minX...maxX, depth: h, reach: reach.across) { x, d in ink(x, minY + d) }) / Float(w),
                 Float(firstRun(along: minX...maxX, depth: h, reach: reach.across) { x, d in ink(x, maxY - d) }) / Float(w),
                 Float(firstRun(along: minY...maxY, depth: w, reach: reach.down) { y, d in ink(minX + d, y) }) / Float(h),
                 Float(firstRun(along: minY...maxY, depth: w, reach: reach.down) { y, d in ink(maxX - d, y) }) / Float(h)]
            }
            // A first look with a generous reach finds the lines' thickness.
            let reach = max(slack.across, slack.down) + Int(thickest * Float(min(w, h)))
            _ = sides(reach: (reach, reach))
            guard !runs.isEmpty else { return nil }
            let thickness = runs.sorted()[runs.count / 2]
            guard Float(thickness) <= thickest * Float(min(w, h)) else { return nil }
            let (across, down) = (thickness + slack.across, thickness + slack.down)
            // Straight: along each side the ink begins within the slack of its line (a round stroke curves away).
            guard sides(reach: slack).allSatisfy({ $0 >= sideCoverage }) else { return nil }
            band = (across, down)
            // No line across inside: a box has walls, squared paper and a table have rows too (`RuledLines`).
            let inner = (x: Self.inside(minX, maxX, margin: down), y: Self.inside(minY, maxY, margin: across))
            for y in inner.y {
                let strip = y..<min(y + across, inner.y.upperBound)
                if Float(inner.x.count { x in strip.contains { ink(x, $0) } }) >= sideCoverage * Float(inner.x.count) {
                    return nil
                }
            }
            // Not solid: a desk or a shadow round the page is ink all through.
            var (area, solid) = (0, 0)
            for y in minY + 1..<maxY {
                for x in minX + 1..<maxX where ink(x, y) {
                    area += 1
                    if (-1...1).allSatisfy({ dy in (-1...1).allSatisfy { dx in ink(x + dx, y + dy) } }) { solid += 1 }
                }
            }
            guard Float(solid) < solidest * Float(max(area, 1)) else { return nil }
        }

        /// The positions from `low` to `high` at least `margin` inside both; empty where the margins meet (a long,
        /// low box's slack for tilt may be more than its height).
        static func inside(_ low: Int, _ high: Int, margin: Int) -> Range<Int> {
            low + margin..<max(low + margin, high + 1 - margin)
        }

        /// Erases the box's ink in its bands and its walls inside.
        func erase(from plane: inout Plane, label: [Int32]) {
            let width = plane.width
            func ink(_ x: Int, _ y: Int) -> Bool { label[y * width + x] == id }
            let inner = (x: Box.inside(minX, maxX, margin: band.down), y: Box.inside(minY, maxY, margin: band.across))
            // The bands, and the lines' rims just outside the sides.
            for y in max(0, minY - rim)...min(plane.height - 1, maxY + rim) {
                for x in max(0, minX - rim)...min(width - 1, maxX + rim)
                where ink(x, y) && (!inner.x.contains(x) || !inner.y.contains(y)) {
                    plane[x, y] = 0
                }
            }
            guard !inner.x.isEmpty, !inner.y.isEmpty else { return }
            // Walls: strips as thick as the sides' bands, of the box's ink down the space between top and bottom.
            var x = inner.x.lowerBound
            while x < inner.x.upperBound {
                let strip = x..<min(x + band.down, inner.x.upperBound)
                guard Float(inner.y.count { y in strip.contains { ink($0, y) } }) >= sideCoverage * Float(inner.y.count)
                else { x += 1; continue }
                for y in inner.y { for sx in strip where ink(sx, y) { plane[sx, y] = 0 } }
                x = strip.upperBound
            }
        }
    }
}
