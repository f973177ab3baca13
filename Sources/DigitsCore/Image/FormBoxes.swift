// Boxes are paper. A form asks for a number one digit to a box, or in a row of boxes sharing their walls, and a
// note may have a frame drawn round it. A box's sides are straight strokes as tall as a digit or taller: a box
// round a digit reads as a 0, its walls as 1s, and a box that a digit touches makes one part with it. So,
// between the threshold and the parts (`InkMap`), before ruled lines (`RuledLines`, which would take a row of
// boxes' top and bottom for ruled lines and leave their walls standing), boxes are found and erased:
//  1. A part is a box when each of the four sides of its bounding box is inked along at least `sideCoverage` of
//     its length, within a band as thick as the part's lines plus a little for a photo's tilt (`tilt` of the
//     side's length); its lines are thin beside its size (at most `thickest` of its shorter side); and it is
//     not solid, as a desk or a shadow round the page is (`InkMap.frameSolidity`). A digit, however square,
//     is round at its corners, where a box is inked.
//  2. Its ink in the four bands is erased, and so are its walls inside: strips of its ink running down at least
//     `sideCoverage` of the space between its top and its bottom (a row of boxes sharing walls). A digit
//     touching a box loses the pixels it has in the box's lines, and stays.
// What it cannot tell: a digit's straight stroke lying along a box's side goes with the box, and a 1 written from
// a box's top to its bottom is a wall. Not found: a box whose side is not the edge of its part (a digit reaching
// beyond it), a box broken into pieces at a corner, a comb (ticks along a line). (Chosen before
// `scripts/number-accuracy --boxes` was made; checked on its validation pictures.)
enum FormBoxes {
    static let sideCoverage: Float = 0.9
    static let tilt: Float = 0.02
    static let thickest: Float = 0.15
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

    /// A part found to be a box: its bounding box, the band along each side where its lines lie.
    private struct Box {
        let id: Int32
        let minX: Int, minY: Int, maxX: Int, maxY: Int
        let band: (top: Int, bottom: Int, left: Int, right: Int)

        init?(_ id: Int32, _ part: InkMap.Part, label: [Int32], width: Int) {
            (self.id, minX, minY, maxX, maxY) = (id, part.minX, part.minY, part.maxX, part.maxY)
            func ink(_ x: Int, _ y: Int) -> Bool { label[y * width + x] == id }
            // Along each side, inward from it: how far the first ink lies and how thick its run is.
            let (w, h) = (part.width, part.height)
            let (minX, minY, maxX, maxY) = (part.minX, part.minY, part.maxX, part.maxY)
            let slack = (top: 1 + Int(tilt * Float(w)), side: 1 + Int(tilt * Float(h)))
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
            // A first pass with a generous reach finds the lines' thickness; the second counts the coverage.
            let reach = max(slack.top, slack.side) + Int(thickest * Float(min(w, h)))
            _ = firstRun(along: minX...maxX, depth: h, reach: reach) { x, d in ink(x, minY + d) }
            _ = firstRun(along: minX...maxX, depth: h, reach: reach) { x, d in ink(x, maxY - d) }
            _ = firstRun(along: minY...maxY, depth: w, reach: reach) { y, d in ink(minX + d, y) }
            _ = firstRun(along: minY...maxY, depth: w, reach: reach) { y, d in ink(maxX - d, y) }
            guard !runs.isEmpty else { return nil }
            let thickness = runs.sorted()[runs.count / 2]
            guard Float(thickness) <= thickest * Float(min(w, h)) else { return nil }
            let (across, down) = (thickness + slack.top, thickness + slack.side)
            let needed = (across: sideCoverage * Float(w), down: sideCoverage * Float(h))
            guard Float(firstRun(along: minX...maxX, depth: h, reach: across) { x, d in ink(x, minY + d) }) >= needed.across,
                  Float(firstRun(along: minX...maxX, depth: h, reach: across) { x, d in ink(x, maxY - d) }) >= needed.across,
                  Float(firstRun(along: minY...maxY, depth: w, reach: down) { y, d in ink(minX + d, y) }) >= needed.down,
                  Float(firstRun(along: minY...maxY, depth: w, reach: down) { y, d in ink(maxX - d, y) }) >= needed.down
            else { return nil }
            band = (across, across, down, down)
            // Not solid: a desk or a shadow round the page is ink all through.
            var (area, solid) = (0, 0)
            for y in minY + 1..<maxY {
                for x in minX + 1..<maxX where ink(x, y) {
                    area += 1
                    if (-1...1).allSatisfy({ dy in (-1...1).allSatisfy { dx in ink(x + dx, y + dy) } }) { solid += 1 }
                }
            }
            guard Float(solid) < InkMap.frameSolidity * Float(max(area, 1)) else { return nil }
        }

        /// Erases the box's ink in its bands and its walls inside.
        func erase(from plane: inout Plane, label: [Int32]) {
            let width = plane.width
            func ink(_ x: Int, _ y: Int) -> Bool { label[y * width + x] == id }
            let inner = (x: minX + band.left..<maxX + 1 - band.right, y: minY + band.top..<maxY + 1 - band.bottom)
            for y in minY...maxY {
                for x in minX...maxX where ink(x, y) && (!inner.x.contains(x) || !inner.y.contains(y)) {
                    plane[x, y] = 0
                }
            }
            guard !inner.x.isEmpty, !inner.y.isEmpty else { return }
            // Walls: strips as thick as the sides' bands, of the box's ink down the space between top and bottom.
            var x = inner.x.lowerBound
            while x < inner.x.upperBound {
                let strip = x..<min(x + band.left, inner.x.upperBound)
                guard Float(inner.y.count { y in strip.contains { ink($0, y) } }) >= sideCoverage * Float(inner.y.count)
                else { x += 1; continue }
                for y in inner.y { for sx in strip where ink(sx, y) { plane[sx, y] = 0 } }
                x = strip.upperBound
            }
        }
    }
}
