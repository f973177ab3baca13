// Ruled lines are paper. A number written in a notebook sits on its lines, and a line that the digits touch
// makes one part with them, as wide as the page: neither a digit nor a row of them, and left out whole as a
// horizontal stroke (`NumberReading.marks`), digits and all. So, between the threshold and the parts
// (`InkMap`), lines are found and erased:
//  1. The thin runs of ink: in each column, the vertical runs of ink at most `thickest` of the picture's longer
//     side thick.
//  2. Each run votes for the straight lines through its middle with slopes up to `steepest` (a Hough
//     transform). The line with most votes may be ruled when its runs cover at least `coverage` of the picture's
//     width (`edgeToEdgeCoverage` where they reach both sides; a thin line shrunk to the working size falls
//     between rows of pixels and shows in pieces) and at least `slenderness` times its thickness; then the next,
//     up to `lineLimit`.
//  3. A candidate is a ruled line unless upright parts hold more than half of its runs: a 7's bar, however wide
//     the 7, is an upright part's, and so are the aligned bars of two 7s, while a ruled line is a part lying flat
//     (at least `flatness` times as wide as tall, digits hanging on it) or pieces of it; squared paper, one part
//     of rows and columns, holds `gridLines` lines or more, where a digit's straight strokes are one or two.
//  4. Its runs at most a pixel thicker than the line's usual run are erased, with the pixel above and below each
//     (the line's grey rim): where a stroke crosses or joins the line the column's run is thicker, and stays, so
//     the digits keep their strokes.
//  5. Where rows were erased, columns are found the same way in the picture turned on its side, and erased where
//     they run from top to bottom or cross `columnCrossings` rows: squared paper. Without rows, vertical lines
//     (a margin) are not looked for: a 1 is one.
// What it cannot tell: a digit's stroke lying exactly along a line (a 2's base drawn on it) goes with the line.
// Lines across only part of the picture (an underline, a page that fills part of the photo) are left to the
// marks' rules. (Chosen on numbers of validation digits on ruled and squared paper, `scripts/number-accuracy
// --validation --ruled` and `--squared`, with every number and single-digit picture of the other sets reading
// as before.)
enum RuledLines {
    static let thickest: Float = 1 / 50
    static let steepest: Float = 0.1
    static let coverage: Float = 0.4
    static let edgeToEdgeCoverage: Float = 0.25
    /// "Both sides": within this fraction of the width of each.
    static let edgeReach: Float = 0.02
    static let flatness: Float = 2.5
    static let lineLimit = 64
    /// A ruled line is at least this many times as long as it is thick: a digit's straight stroke in a small
    /// picture (a piece cut from a number, 2 pixels thick) is thin but short.
    static let slenderness = 25
    /// An upright part holding most of a line's ink is a digit (a 7's bar), unless it holds this many lines, rows
    /// and columns together: squared paper, or lines joined by a margin.
    static let gridLines = 3

    /// A vertical run of ink in column `x`, rows `top` to `bottom`, of part `part`.
    private struct Run {
        let x: Int, top: Int, bottom: Int, part: Int
        var length: Int { bottom - top + 1 }
        var middle: Float { Float(top + bottom) / 2 }
    }

    /// A straight line, y = offset + slope · (x − centre) in the plane it was found in.
    struct Line {
        let offset: Float, slope: Float, centre: Float
        func y(at x: Float) -> Float { offset + slope * (x - centre) }
    }

    /// Erases the ruled lines from `plane`, whose ink is labelled part by part in `label` (`parts`): the rows, and
    /// where there are rows, the columns of squared paper (see `columnCrossings`). Whether it erased any; if it
    /// did, the labels no longer match the plane.
    static func erase(from plane: inout Plane, label: [Int32], parts: [InkMap.Part],
                      relabel: (Plane) -> ([Int32], [InkMap.Part])) -> Bool {
        guard max(plane.width, plane.height) >= InkMap.smallestPage else { return false }
        let rowCandidates = candidates(in: plane, label: label, parts: parts)
        guard !rowCandidates.isEmpty else { return false }
        // Columns are found as rows of the picture turned on its side. Squared paper is one part, which holds
        // both: counted together, its lines are many, where a digit's straight strokes are one or two.
        var held = holding(rowCandidates)
        let turned = Self.turned(plane, label, parts)
        for (part, count) in holding(candidates(in: turned.plane, label: turned.label, parts: turned.parts)) {
            held[part, default: 0] += count
        }
        let rows = accepted(rowCandidates, parts: parts, held: held) { _, _, _ in true }
        guard !rows.isEmpty else { return false }
        for row in rows { erase(row, from: &plane, turned: false) }

        let (newLabel, newParts) = relabel(plane)
        let again = Self.turned(plane, newLabel, newParts)
        let columnCandidates = candidates(in: again.plane, label: again.label, parts: again.parts)
        let edge = Int(edgeReach * Float(plane.height))
        let columns = accepted(columnCandidates, parts: again.parts, held: holding(columnCandidates)) { column, top, bottom in
            // A column of x = column.y(at: y) crosses the rows where they pass between its ends.
            let crossed = rows.count { row in
                let x = column.line.y(at: row.line.y(at: column.line.offset))
                return (Float(top) - 2...Float(bottom) + 2).contains(row.line.y(at: x))
            }
            return crossed >= columnCrossings || (top <= edge && bottom >= plane.height - 1 - edge)
        }
        for column in columns { erase(column, from: &plane, turned: true) }
        return true
    }

    /// A column is a line of squared paper only where rows were found, and it runs from the top of the picture to
    /// the bottom or crosses at least this many rows: a 1 written between two rows, however tall, crosses one or
    /// two, and a picture of a number has paper above and below it.
    static let columnCrossings = 3

    /// A line that may be ruled: its runs, its first and last column of ink, and how many runs each part holds.
    private struct Candidate {
        let line: Line
        let runs: [Run]
        let first: Int, last: Int
        let held: [Int: Int]
    }

    /// Per part, how many of the candidates it holds most of the runs of.
    private static func holding(_ candidates: [Candidate]) -> [Int: Int] {
        var holding: [Int: Int] = [:]
        for candidate in candidates {
            if let part = candidate.held.first(where: { 2 * $0.value > candidate.runs.count })?.key {
                holding[part, default: 0] += 1
            }
        }
        return holding
    }

    /// The candidates that are lines: at most half of their runs held by upright parts (digits: a 7's bar, the
    /// aligned bars of two 7s side by side), parts holding at least `gridLines` lines (`holding`) excepted, and
    /// passing `accept`, given the line, its first and last column of ink.
    private static func accepted(_ candidates: [Candidate], parts: [InkMap.Part], held holding: [Int: Int],
                                 accept: (Candidate, Int, Int) -> Bool) -> [Candidate] {
        candidates.filter { candidate in
            let upright = candidate.held.filter { part, _ in
                Float(parts[part].width) < flatness * Float(parts[part].height) && holding[part, default: 0] < gridLines
            }
            guard 2 * upright.values.reduce(0, +) <= candidate.runs.count else { return false }
            return accept(candidate, candidate.first, candidate.last)
        }
    }

    /// Erases a line's runs at most a pixel thicker than its usual run, with the pixel above and below each;
    /// `turned`: the line was found in the plane turned on its side.
    private static func erase(_ candidate: Candidate, from plane: inout Plane, turned: Bool) {
        let lengths = candidate.runs.map(\.length).sorted()
        let lineThickness = lengths[lengths.count / 2]
        let across = turned ? plane.width : plane.height
        for run in candidate.runs where run.length <= lineThickness + 1 {
            for y in max(0, run.top - 1)...min(across - 1, run.bottom + 1) {
                if turned { plane[y, run.x] = 0 } else { plane[run.x, y] = 0 }
            }
        }
    }

    private static func turned(_ plane: Plane, _ label: [Int32], _ parts: [InkMap.Part])
        -> (plane: Plane, label: [Int32], parts: [InkMap.Part]) {
        let parts = parts.map { part in
            var turned = part
            (turned.minX, turned.maxX, turned.minY, turned.maxY) = (part.minY, part.maxY, part.minX, part.maxX)
            return turned
        }
        return (plane.transposed(), label.transposed(width: plane.width, height: plane.height), parts)
    }

    /// The lines that may be ruled in `plane` (rows: the picture's width is the length along them), strongest
    /// first.
    private static func candidates(in plane: Plane, label: [Int32], parts: [InkMap.Part]) -> [Candidate] {
        let (width, height) = (plane.width, plane.height)
        let thick = max(2, Int(thickest * Float(max(width, height))))
        var runs: [Run] = []
        for x in 0..<width {
            var y = 0
            while y < height {
                let id = label[y * width + x]
                guard id >= 0 else { y += 1; continue }
                var bottom = y
                while bottom + 1 < height && label[(bottom + 1) * width + x] >= 0 { bottom += 1 }
                if bottom - y + 1 <= thick { runs.append(Run(x: x, top: y, bottom: bottom, part: Int(id))) }
                y = bottom + 1
            }
        }
        guard Float(runs.count) >= edgeToEdgeCoverage * Float(width) else { return [] }

        // Offsets are counted from `reach` above the picture.
        let centre = Float(width) / 2
        let reach = Int((steepest * centre).rounded(.up)) + 1
        let slopeCount = 2 * Int((steepest * Float(width)).rounded(.up)) + 1
        let slopes = (0..<slopeCount).map { -steepest + 2 * steepest * Float($0) / Float(slopeCount - 1) }
        let edge = Int(edgeReach * Float(width))
        // votes[s * rows + offset]: the runs on the line of slope s and that offset, counted once, then less the
        // runs of each line found.
        let rows = height + 2 * reach
        var votes = [Int](repeating: 0, count: slopeCount * rows)
        func offset(of run: Run, _ s: Int) -> Int? {
            let offset = Int((run.middle - slopes[s] * (Float(run.x) - centre)).rounded()) + reach
            return (0..<rows).contains(offset) ? offset : nil
        }
        func vote(_ run: Run, _ weight: Int) {
            for s in 0..<slopeCount { if let o = offset(of: run, s) { votes[s * rows + o] += weight } }
        }
        for run in runs { vote(run, 1) }
        var candidates: [Candidate] = []
        for _ in 0..<lineLimit {
            // A line a pixel or two thick, or not quite straight, spreads its votes over neighbouring offsets.
            var best = (votes: 0, slope: Float(0), offset: 0)
            for s in 0..<slopeCount {
                for o in 1..<rows - 1 {
                    let near = votes[s * rows + o - 1] + votes[s * rows + o] + votes[s * rows + o + 1]
                    if near > best.votes { best = (near, slopes[s], o - reach) }
                }
            }
            let line = Line(offset: Float(best.offset), slope: best.slope, centre: centre)
            let onLine = runs.indices.filter { abs(runs[$0].middle - line.y(at: Float(runs[$0].x))) <= 1.5 }
            guard let first = onLine.map({ runs[$0].x }).min(), let last = onLine.map({ runs[$0].x }).max() else { break }
            let acrossAll = first <= edge && last >= width - 1 - edge
            guard Float(onLine.count) >= (acrossAll ? edgeToEdgeCoverage : coverage) * Float(width) else { break }
            var held: [Int: Int] = [:]
            for i in onLine { held[runs[i].part, default: 0] += 1 }
            let thickness = onLine.map { runs[$0].length }.sorted()[onLine.count / 2]
            if onLine.count >= slenderness * thickness {
                candidates.append(Candidate(line: line, runs: onLine.map { runs[$0] }, first: first, last: last,
                                            held: held))
            }
            for i in onLine { vote(runs[i], -1) }
            let used = Set(onLine)
            runs = runs.indices.filter { !used.contains($0) }.map { runs[$0] }
        }
        return candidates
    }
}
