// Boxes are paper. A form asks for a number one digit to a box, or in a row of boxes sharing their walls, and a
// note may have a frame drawn round it. A box's sides are straight strokes as tall as a digit or taller: a box
// round a digit reads as a 0, its walls as 1s, and a box that a digit touches makes one part with it. So,
// between the threshold and the parts (`InkMap`), before ruled lines (`RuledLines`, which would take a row of
// boxes' top and bottom for ruled lines and leave their walls standing), boxes are found and erased:
//  1. Each side of a part is the straight line, sloping by up to `steepest` (a photo taken a few degrees off), near
//     that side of its extent (within `searchDepth` of it, and the slope's reach), that crosses most of its ink: a
//     digit touching its box may reach beyond it. The part is a box when its ink lies on each of the four lines,
//     within half their thickness and a pixel, along at least `sideCoverage` of the side between the two lines
//     across it, where they meet it (a long row of boxes turned a few degrees stands higher at one end than in its
//     middle). A digit, however square, is round at its corners; a bold 0 curves away from any line. Its lines are
//     thin beside it (at most `thickest` of its shorter side); they end at its corners, and no two run across its
//     inside (a cell of squared paper or of a table, its lines going on, and a grid's rows are left to `RuledLines`;
//     one line across may be a digit's bar touching both walls); and it is not solid (`solidest`), as a desk or a
//     shadow round the page is.
//  2. Its ink along the four lines, as thick as they are and a pixel more on each side, is erased, and so are
//     its walls inside: lines of its ink, sloping as its sides do, running down at least `sideCoverage` of the
//     space between its top and its bottom (a row of boxes sharing walls), that space risen or fallen where a
//     wall stands as the top and bottom slope. A digit touching a box loses the pixels it has in the box's lines,
//     and stays.
// What it cannot tell: a digit's straight stroke lying along a box's side goes with the box, and a 1 written from
// a box's top to its bottom is a wall. Not found: a box broken into pieces at a corner, and a comb (ticks along a
// line). (Chosen on the validation pictures of `scripts/number-accuracy --boxes`, and on them turned 2° to 5°,
// every other measuring set reading as before.)
enum FormBoxes {
    static let sideCoverage: Float = 0.9
    /// Sides may slope by up to this, tried in steps of `slopeStep` (3° is 0.052, 5° 0.087).
    static let steepest: Float = 0.1
    static let slopeStep: Float = 0.01
    static let thickest: Float = 0.15
    static let searchDepth: Float = 0.15
    /// A part with more of its ink than this inside it (ink all round) is solid: a desk, not lines. Lines 6 pixels
    /// thick, blurred, have about 80% so.
    static let solidest: Float = 0.9
    /// Parts smaller than this on either side (pixels of the map) are strokes, not boxes.
    static let smallestSide = 12

    /// Erases the boxes from `plane`, whose ink is labelled part by part in `label` (`parts`); whether it erased
    /// any. If it did, the labels no longer match the plane.
    static func erase(from plane: inout Plane, label: [Int32], parts: [InkMap.Part]) -> Bool {
        // A picture of a digit or two, not a page (`InkMap.smallestPage`): at MNIST's size a square 0 is a box,
        // and the pieces the networks are trained on must be prepared as they were.
        guard max(plane.width, plane.height) >= InkMap.smallestPage else { return false }
        var erased = false
        for (id, part) in parts.enumerated() where part.width >= smallestSide && part.height >= smallestSide {
            let view = (rows: View(label: label, width: plane.width, id: Int32(id), part: part, turned: false),
                        columns: View(label: label, width: plane.width, id: Int32(id), part: part, turned: true))
            guard let box = Box(view.rows, view.columns) else { continue }
            box.erase(from: &plane)
            erased = true
        }
        return erased
    }

    /// One part's ink seen along rows (`along` is x, `across` is y) or, `turned`, along columns.
    struct View {
        let label: [Int32], width: Int, id: Int32
        let along: ClosedRange<Int>, across: ClosedRange<Int>
        let turned: Bool

        init(label: [Int32], width: Int, id: Int32, part: InkMap.Part, turned: Bool) {
            (self.label, self.width, self.id, self.turned) = (label, width, id, turned)
            let (columns, rows) = (part.minX...part.maxX, part.minY...part.maxY)
            (along, across) = turned ? (rows, columns) : (columns, rows)
        }

        func ink(_ a: Int, _ b: Int) -> Bool {
            guard along.contains(a), across.contains(b) else { return false }
            return label[turned ? a * width + b : b * width + a] == id
        }

        var centre: Float { Float(along.lowerBound + along.upperBound) / 2 }
    }

    /// A straight line of a view: across = offset + slope × (along − centre).
    struct Line {
        let offset: Float, slope: Float, centre: Float
        func at(_ along: Int) -> Int { Int((offset + slope * (Float(along) - centre)).rounded()) }
    }

    /// The line near one side of `view` (`fromLow`: its first rows, else its last) that crosses most of its ink.
    static func side(of view: View, fromLow: Bool) -> Line {
        let length = Float(view.along.count)
        let depth = Int(searchDepth * Float(view.across.count) + steepest * length / 2) + 1
        let steps = Int((steepest / slopeStep).rounded())
        var best = (count: -1, line: Line(offset: 0, slope: 0, centre: view.centre))
        for d in 0...depth {
            let offset = Float(fromLow ? view.across.lowerBound + d : view.across.upperBound - d)
            for s in -steps...steps {
                let line = Line(offset: offset, slope: Float(s) * slopeStep, centre: view.centre)
                let count = view.along.count { view.ink($0, line.at($0)) }
                if count > best.count { best = (count, line) }
            }
        }
        return best.line
    }

    /// A part found to be a box: its four lines, their thickness, its walls.
    private struct Box {
        let rows: View, columns: View
        let top: Line, bottom: Line, left: Line, right: Line
        let thickness: Int

        init?(_ rows: View, _ columns: View) {
            (self.rows, self.columns) = (rows, columns)
            (top, bottom) = (side(of: rows, fromLow: true), side(of: rows, fromLow: false))
            (left, right) = (side(of: columns, fromLow: true), side(of: columns, fromLow: false))
            let (middleX, middleY) = (Int(rows.centre), Int(columns.centre))
            let (height, width) = (bottom.at(middleX) - top.at(middleX), right.at(middleY) - left.at(middleY))
            guard height >= smallestSide, width >= smallestSide else { return nil }
            // Thickness: the median run of ink through the lines.
            var runs: [Int] = []
            func run(_ view: View, _ line: Line) {
                for a in view.along where view.ink(a, line.at(a)) {
                    var (low, high) = (line.at(a), line.at(a))
                    while view.ink(a, low - 1) { low -= 1 }
                    while view.ink(a, high + 1) { high += 1 }
                    runs.append(high - low + 1)
                }
            }
            for line in [top, bottom] { run(rows, line) }
            for line in [left, right] { run(columns, line) }
            guard !runs.isEmpty else { return nil }
            thickness = runs.sorted()[runs.count / 2]
            guard Float(thickness) <= thickest * Float(min(height, width)) else { return nil }
            // Straight and whole: ink on each line along most of the side, between the sides across it.
            let reach = thickness / 2 + 1
            func covered(_ view: View, _ line: Line, between low: Int, _ high: Int) -> Bool {
                let span = low...max(low, high)
                let inked = span.count { a in (line.at(a) - reach...line.at(a) + reach).contains { view.ink(a, $0) } }
                return Float(inked) >= sideCoverage * Float(span.count)
            }
            let (x0, x1) = (left.at(middleY), right.at(middleY)), (y0, y1) = (top.at(middleX), bottom.at(middleX))
            // Each side between the sides across it, where they meet it: in a photo taken a few degrees off, a
            // long box's walls stand higher at one end than at its middle.
            guard covered(rows, top, between: left.at(y0), right.at(y0)),
                  covered(rows, bottom, between: left.at(y1), right.at(y1)),
                  covered(columns, left, between: top.at(x0), bottom.at(x0)),
                  covered(columns, right, between: top.at(x1), bottom.at(x1))
            else { return nil }
            // Closed: its lines end at its corners. The cell of a grid whose lines broke at the threshold (squared
            // paper, a table) is crossed by lines that go on beyond it, and is left to `RuledLines`.
            func goesOn(_ view: View, _ line: Line, beyond low: Int, _ high: Int) -> Bool {
                let (near, far) = (thickness + 2, 3 * thickness + 3)
                return [Array(low - far...low - near), Array(high + near...high + far)].contains { outside in
                    2 * outside.count { a in (line.at(a) - reach...line.at(a) + reach).contains { view.ink(a, $0) } }
                        >= outside.count
                }
            }
            // Each line's ends: where the lines across it meet it.
            guard !goesOn(rows, top, beyond: left.at(y0), right.at(y0)),
                  !goesOn(rows, bottom, beyond: left.at(y1), right.at(y1)),
                  !goesOn(columns, left, beyond: top.at(x0), bottom.at(x0)),
                  !goesOn(columns, right, beyond: top.at(x1), bottom.at(x1))
            else { return nil }
            // No lines across inside: a box has walls; squared paper and a table have rows too (`RuledLines`). One
            // may be a digit's bar touching both walls (a 4's); two, apart, are rows. The lines found lie in the
            // sides' thickness: rows inside start beyond it and the reach.
            let margin = thickness + reach + 1
            var (across, last) = (0, Int.min)
            for y in y0 + margin..<max(y0 + margin, y1 - margin + 1) where y > last + 2 * margin {
                let row = Line(offset: Float(y), slope: top.slope, centre: rows.centre)
                guard covered(rows, row, between: x0 + margin, x1 - margin) else { continue }
                (across, last) = (across + 1, y)
                if across >= 2 { return nil }
            }
            // Not solid: a desk or a shadow round the page is ink all through.
            var (area, solid) = (0, 0)
            for y in rows.across {
                for x in rows.along where rows.ink(x, y) {
                    area += 1
                    if (-1...1).allSatisfy({ dy in (-1...1).allSatisfy { dx in rows.ink(x + dx, y + dy) } }) { solid += 1 }
                }
            }
            guard Float(solid) < solidest * Float(max(area, 1)) else { return nil }
        }

        /// Erases the box's ink along its lines, and its walls.
        func erase(from plane: inout Plane) {
            let reach = thickness + 1
            func clear(_ view: View, _ line: Line, _ span: ClosedRange<Int>) {
                for a in span {
                    for b in line.at(a) - reach...line.at(a) + reach where view.ink(a, b) {
                        if view.turned { plane[b, a] = 0 } else { plane[a, b] = 0 }
                    }
                }
            }
            for line in [top, bottom] { clear(rows, line, rows.along) }
            for line in [left, right] { clear(columns, line, columns.along) }
            // Walls: lines of its ink sloping as its left side does, down most of the space between top and bottom:
            // that space as it is in the middle, risen or fallen where the wall stands as top and bottom do on
            // average (along a box in a photo taken a few degrees off).
            let (middleX, middleY) = (Int(rows.centre), Int(columns.centre))
            let (x0, x1) = (left.at(middleY) + reach + 1, right.at(middleY) - reach - 1)
            let (y0, y1) = (top.at(middleX) + reach + 1, bottom.at(middleX) - reach - 1)
            guard x1 > x0, y1 > y0 else { return }
            let near = thickness / 2 + 1
            func wall(_ x: Int) -> Line { Line(offset: Float(x), slope: left.slope, centre: columns.centre) }
            func span(_ x: Int) -> ClosedRange<Int> {
                let shift = Int((Float(x - middleX) * (top.slope + bottom.slope) / 2).rounded())
                return y0 + shift...y1 + shift
            }
            func inked(_ x: Int) -> Int {
                span(x).count { y in (wall(x).at(y) - near...wall(x).at(y) + near).contains { columns.ink(y, $0) } }
            }
            var x = x0
            while x <= x1 {
                guard Float(inked(x)) >= sideCoverage * Float(y1 - y0 + 1) else { x += 1; continue }
                // Found at its near edge: its middle is where the most ink lies, within a thickness further.
                let middle = (x...x + thickness + near).max { inked($0) < inked($1) }!
                clear(columns, wall(middle), span(middle))
                x = middle + reach + 1
            }
        }
    }
}
