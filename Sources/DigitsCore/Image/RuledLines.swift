// Ruled lines are paper. A number written in a notebook sits on its lines, and a line that the digits touch
// makes one part with them, as wide as the page: neither a digit nor a row of them, and left out whole as a
// horizontal stroke (`NumberReading.marks`), digits and all. So, between the threshold and the parts
// (`InkMap`), lines are found and erased:
//  1. The thin runs of ink: in each column, the vertical runs of ink at most `thickest` of the picture's longer
//     side thick.
//  2. Each run votes for the straight lines through its middle with slopes up to `steepest` (a Hough
//     transform). The line with most votes is a ruled line when its runs cover at least `coverage` of the
//     picture's width (`edgeToEdgeCoverage` where they reach both sides; a thin line shrunk to the working size
//     falls between rows of pixels and shows in pieces), and no upright part holds half of them: a 7's bar,
//     however wide the 7, is one upright part's, while a ruled line is a part lying flat (at least `flatness`
//     times as wide as tall, digits hanging on it) or many pieces.
//  3. Its runs at most a pixel thicker than the line's usual run are erased, with the pixel above and below each
//     (the line's grey rim): where a stroke crosses or joins the line the column's run is thicker, and stays, so
//     the digits keep their strokes. Then the next line, up to `lineLimit`.
// What it cannot tell: a digit's stroke lying exactly along a line (a 2's base drawn on it) goes with the line.
// Lines across only part of the picture (an underline, a page that fills part of the photo) are left to the
// marks' rules, and so are vertical lines (a margin). (Chosen on numbers of validation digits on ruled paper,
// `scripts/number-accuracy --validation --ruled`, with every number and single-digit picture of the other sets
// reading as before.)
enum RuledLines {
    static let thickest: Float = 1 / 50
    static let steepest: Float = 0.1
    static let coverage: Float = 0.4
    static let edgeToEdgeCoverage: Float = 0.25
    /// "Both sides": within this fraction of the width of each.
    static let edgeReach: Float = 0.02
    static let flatness: Float = 2.5
    static let lineLimit = 64

    /// A vertical run of ink in column `x`, rows `top` to `bottom`, of part `part`.
    private struct Run {
        let x: Int, top: Int, bottom: Int, part: Int
        var length: Int { bottom - top + 1 }
        var middle: Float { Float(top + bottom) / 2 }
    }

    /// Erases the ruled lines from `plane`, whose ink is labelled part by part in `label` (`parts`); whether it
    /// found any.
    static func erase(from plane: inout Plane, label: [Int32], parts: [InkMap.Part]) -> Bool {
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
        guard Float(runs.count) >= edgeToEdgeCoverage * Float(width) else { return false }

        // A line is y = offset + slope · (x − centre); offsets are counted from `reach` above the picture.
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
        var erased = false
        for _ in 0..<lineLimit {
            // A line a pixel or two thick, or not quite straight, spreads its votes over neighbouring offsets.
            var best = (votes: 0, slope: Float(0), offset: 0)
            for s in 0..<slopeCount {
                for o in 1..<rows - 1 {
                    let near = votes[s * rows + o - 1] + votes[s * rows + o] + votes[s * rows + o + 1]
                    if near > best.votes { best = (near, slopes[s], o - reach) }
                }
            }
            let onLine = runs.indices.filter { i in
                abs(runs[i].middle - Float(best.offset) - best.slope * (Float(runs[i].x) - centre)) <= 1.5
            }
            guard let first = onLine.map({ runs[$0].x }).min(), let last = onLine.map({ runs[$0].x }).max() else { break }
            let acrossAll = first <= edge && last >= width - 1 - edge
            guard Float(onLine.count) >= (acrossAll ? edgeToEdgeCoverage : coverage) * Float(width) else { break }

            var held: [Int: Int] = [:]
            for i in onLine { held[runs[i].part, default: 0] += 1 }
            let upright = held.filter { Float(parts[$0.key].width) < flatness * Float(parts[$0.key].height) }
            if upright.values.allSatisfy({ 2 * $0 <= onLine.count }) {
                let lengths = onLine.map { runs[$0].length }.sorted()
                let lineThickness = lengths[lengths.count / 2]
                for run in onLine.map({ runs[$0] }) where run.length <= lineThickness + 1 {
                    for y in max(0, run.top - 1)...min(height - 1, run.bottom + 1) { plane[run.x, y] = 0 }
                    erased = true
                }
            }
            for i in onLine { vote(runs[i], -1) }
            let used = Set(onLine)
            runs = runs.indices.filter { !used.contains($0) }.map { runs[$0] }
        }
        return erased
    }
}
