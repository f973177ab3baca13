import Foundation

// Reads every digit of a picture, left to right, line by line: a year, a postcode, a meter reading, a list.
//
// The picture goes through the same steps 1 to 4 as a lone digit (`InkMap`: ink separated from paper, Otsu's
// threshold, connected parts). Then:
//  1. Marks. The picture's frame (`InkMap.frame`: a desk or the dark beyond the paper's edge, solid and across
//     the picture) is not ink. The digits' height is estimated as the median height of the ink of the
//     substantial parts (an area at least a twelfth of the largest; horizontal strokes left out). Parts far
//     smaller than that (dots, specks), long horizontal lines (underlines, ruled lines: three times as wide as
//     tall, and most of their columns crossing their ink once, unlike a number whose digits all touch), parts
//     more than twice as tall (a margin, the paper's edge) and large parts touching two sides of the picture (a
//     shadow) are not marks.
//  2. Groups. Marks whose columns overlap by half the narrower one make one group: the strokes of one digit that
//     do not touch (a 4 written in two strokes, a broken line), unless together they are more than 1.5 digits
//     tall (two digits on two lines, one above the other). A group much lower than the digits (a 5's flag
//     written apart, a 7's bar) joins its nearest neighbour on its line when close to one, and is dropped
//     otherwise (a stray mark), unless it is a sign (`NumberSigns`: a decimal point, a minus sign or hyphen, a
//     comma, found in the gaps between the digits before fragments join them; the sign rides on the digit after
//     it). More than `markLimit` groups is not a number. Groups whose rows overlap (`lineOverlap`) are on one
//     line of writing; each line is read as below, top to bottom.
//  3. Digits, by recognition. A group wide enough for two digits (80% as wide as tall, or half as wide again as
//     the picture's groups' median) may hold several digits: some overlapping without touching, some touching;
//     other groups are one digit each, unless read unsurely as one (two narrow digits that touch, a 0 and a 1),
//     when they are cut by recognition too (which keeps them whole if no cut reads better). Its parts are read in
//     runs of consecutive parts, and each run is cut at candidate cuts, the columns where its ink is thinnest
//     (local minima of its column sums), each tried straight and bent (`bentCut`: the path of least ink from top
//     to bottom that strays at most `bendLimit` of the group's height from its column, to pass round a stroke
//     that crosses into the next digit's columns);
//     where that reading leaves a digit unsure (strokes that cross leave no thin column), every eighth of the
//     height is tried as well.
//     A piece shorter than `minPiece` of the line's height around it is a sliver, not a digit (in a row of several
//     digits along a slope, the line around a piece is lower than the whole row).
//     Every piece is prepared as a digit (`DigitPreparation.digit`, the same steps 5 and 6 as a lone digit) and
//     read by the network. Dynamic programming chooses the runs and cuts that maximise the sum over the pieces of
//     log(confidence) less a shape cost, where confidence is the best score's share of all ten (so each extra
//     digit must be read surely to pay for itself) and the shape cost grows as the piece's width-to-height ratio
//     leaves the range usual for the digit it is read as (a slice of a 0 may read as a 0, but it is as narrow as
//     a 1). Confidence tells a digit from a piece only where the network has learned to be unsure of pieces: the
//     shipped networks were trained with pieces that are not one digit (`NotDigits`) as well as digits, and with
//     digits cut from their neighbours (`DigitsInContext`), so that a digit with the end of its neighbour's stroke
//     still reads as that digit.
//  4. A closer look. Where the digits found are shorter than MNIST's 20-pixel box in a picture that was shrunk
//     to be read (a number small in a large photo), steps 1 to 3 run again on the region around them in the
//     picture's own pixels, and that reading is the answer (the first one where the closer look finds nothing).
//     Where the shrunk picture shows no digits at all, digits shorter than `findingHeight`, or more than
//     `markLimit` parts (strokes thinner than a pixel, lost in the paper's noise), steps 1 and 2 first run again
//     on the picture shrunk less (`findingSide`), and the closer look starts from what that finds.

/// One digit read from a picture: what the network saw and how it scored each class.
public struct DigitReading: Sendable {
    public internal(set) var prepared: PreparedDigit
    /// The network's output activations, one per digit 0–9.
    public let scores: [Float]
    /// The line of writing the digit is on, counted from 0 at the top (a picture of one number has only line 0).
    public internal(set) var line: Int
    /// The sign written just before the digit (`NumberSigns`): "." a decimal point, "-" a minus sign or hyphen,
    /// "," a comma, or "" for none.
    public internal(set) var sign: String

    /// A digit on the first line, with no sign; the reader sets its line and sign where it finds them.
    public init(prepared: PreparedDigit, scores: [Float]) {
        (self.prepared, self.scores, line, sign) = (prepared, scores, 0, "")
    }

    public var digit: Int { scores.indices.max { scores[$0] < scores[$1] }! }
}

public enum NumberReading {
    /// A picture with more marks than this (a page of text, a textured wall, noise) is not read.
    public static let markLimit = 64
    /// The weight of a piece's shape against the network's confidence (see `shapeCost`).
    static let shapeWeight: Float = 4
    /// A group at least this fraction of its height wide (room for two narrow digits), or wider than
    /// `severalWidths` times the median width of the picture's groups, may hold several digits, and recognition
    /// decides; others are one digit. (Chosen on the numbers made of validation digits, with single digits' pictures
    /// made of them staying single.)
    static let severalAspect: Float = 0.8
    static let severalWidths: Float = 1.5
    /// Ink narrower than this fraction of its height is one digit, never cut.
    static let splitAspect: Float = 0.5
    /// A piece cut from a group, unless it is the whole group, is a digit only when at least this fraction of
    /// the line's height tall: a sliver of a stroke or a lone flag is not.
    static let minPiece: Float = 0.6
    /// Groups of more parts than this are cut by columns only; runs of parts are at most `runLimit` long.
    static let partLimit = 12
    static let runLimit = 4
    /// At most this many candidate cuts per group.
    static let cutLimit = 10
    /// Where a group's best reading has a digit read with less confidence than this (digits whose strokes cross,
    /// so that no column is thin between them), it is read again with a cut every `finerStep` of its height
    /// besides the thinnest columns, and that reading, which has every cut of the first to choose from, is kept.
    static let unsure: Float = 0.5
    static let finerStep: Float = 0.125
    /// A cut bends at most this fraction of its group's height away from its column (`bentCut`).
    static let bendLimit: Float = 0.12
    /// A part whose ink nowhere reaches this (strong ink is 1) is shading, not a stroke: the paper's own unevenness.
    static let faintestPeak: Float = 0.4
    /// A long part is a horizontal stroke when at least this share of its columns cross its ink once.
    static let strokeColumns: Float = 0.7
    /// Digits shorter than this many pixels of the map, in a picture that was shrunk, are looked at again closer,
    /// if that makes them at least `closerGain` times as tall.
    static let detailHeight: Float = 20
    static let closerGain: Float = 1.5
    /// Digits shorter than this many pixels of a shrunk picture's map, or none, or a map of more than `markLimit`
    /// parts, send the search to a map of `findingSide` pixels: three times the working size, where a number 40
    /// pixels tall in a photo 4,000 across is 12 pixels tall rather than 4. (Chosen on the photos of numbers made
    /// of validation digits; numbers and single digits that fill their pictures stay under 20 parts.)
    static let findingHeight: Float = 8
    static let findingSide = 3 * DigitPreparation.workingSide
    /// Groups whose rows overlap by at least this share of the shorter one's height are on one line of writing.
    static let lineOverlap: Float = 1.0 / 3

    /// The digits of `image`, left to right, each read by `score` (a network's feed-forward pass over the 784
    /// inputs of a prepared digit).
    public static func read(_ image: GrayImage, score: ([Float]) -> [Float]) throws(PreparationError) -> [DigitReading] {
        try PaperAround.reading(image, { image throws(PreparationError) in try readAsGiven(image, score: score) },
                                moved: { readings, dx, dy in
            readings.map { reading in
                var moved = reading
                moved.prepared = reading.prepared.moved(by: (dx, dy))
                return moved
            }
        })
    }

    private static func readAsGiven(_ image: GrayImage, score: ([Float]) -> [Float]) throws(PreparationError) -> [DigitReading] {
        let (map, groups, height) = try found(image)
        if height < detailHeight, let region = closerRegion(around: groups, in: map, digitHeight: height),
           let closer = try? InkMap(image, region: region) {
            let closerHeight = digitHeight(closer)
            if let closerGroups = try? self.groups(in: closer, digitHeight: closerHeight),
               let readings = try? digits(of: closerGroups, in: closer, score: score) {
                return readings
            }
        }
        return try digits(of: groups, in: map, score: score)
    }

    /// The map the digits are found in, their groups and their height: the picture at the working size, or,
    /// where that shrank it so far that it shows no digits, digits shorter than `findingHeight`, or more than
    /// `markLimit` parts (a number small in a large photo, its strokes thinner than a pixel once shrunk, the
    /// paper's noise broken into specks around them), the picture at `findingSide` when that shows any.
    static func found(_ image: GrayImage) throws(PreparationError) -> (map: InkMap, groups: [Group], height: Float) {
        func look(side: Int) throws(PreparationError) -> (map: InkMap, groups: [Group], height: Float) {
            let map = try InkMap(image, side: side)
            let height = digitHeight(map)
            return (map, try groups(in: map, digitHeight: height), height)
        }
        let first = Result { () throws(PreparationError) in try look(side: DigitPreparation.workingSide) }
        if max(image.width, image.height) > DigitPreparation.workingSide {
            if case .success(let found) = first, found.height >= findingHeight, found.map.parts.count <= markLimit {
                return found
            }
            if let finer = try? look(side: findingSide) { return finer }
        }
        return try first.get()
    }

    /// The region of the picture around `groups`, with a digit's height of paper on every side, when reading it
    /// at the working size makes the digits at least `closerGain` times as tall as in `map`; nil otherwise.
    static func closerRegion(around groups: [Group], in map: InkMap, digitHeight h: Float) -> PixelRegion? {
        let margin = Int(h.rounded(.up))
        let (x0, y0) = (groups.map(\.minX).min()! - margin, groups.map(\.minY).min()! - margin)
        let (x1, y1) = (groups.map(\.maxX).max()! + 1 + margin, groups.map(\.maxY).max()! + 1 + margin)
        // In the picture's pixels, within it.
        let scale = map.imagePixelsPerPixel
        let (left, top) = (max(0, Int(Float(x0) * scale)), max(0, Int(Float(y0) * scale)))
        let right = min(map.region.width, Int((Float(x1) * scale).rounded(.up)))
        let bottom = min(map.region.height, Int((Float(y1) * scale).rounded(.up)))
        guard right > left, bottom > top else { return nil }
        let region = PixelRegion(x: map.region.x + left, y: map.region.y + top, width: right - left, height: bottom - top)
        let closerScale = min(1, Float(DigitPreparation.workingSide) / Float(max(region.width, region.height)))
        guard closerScale * scale >= closerGain else { return nil }
        return region
    }

    /// The digits of `groups`, line by line from the top, each line left to right.
    static func digits(of groups: [Group], in map: InkMap, score: ([Float]) -> [Float]) throws(PreparationError)
        -> [DigitReading] {
        let lines = self.lines(of: groups).map { digits(ofLine: $0, in: map, score: score) }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw .noDigit }
        return lines.enumerated().flatMap { line, readings in
            readings.map { reading in
                var onLine = reading
                onLine.line = line
                return onLine
            }
        }
    }

    /// The text of `readings`: each line's digits and signs, the lines top to bottom with a space between them
    /// ("2026", "-3.5", or "12 345" for a picture of two lines).
    public static func text(of readings: [DigitReading]) -> String {
        var text = ""
        for (i, reading) in readings.enumerated() {
            if i > 0 && reading.line != readings[i - 1].line { text += " " }
            text += reading.sign + String(reading.digit)
        }
        return text
    }

    /// The digits of the groups of one line, left to right, each group's first digit with the group's sign.
    static func digits(ofLine groups: [Group], in map: InkMap, score: ([Float]) -> [Float]) -> [DigitReading] {
        // A group wider than a digit usually is, or than the other groups are, may hold several digits.
        let widths = groups.map(\.width).sorted()
        let usualWidth = Float(widths[(widths.count - 1) / 2])
        return groups.flatMap { group in
            var readings: [DigitReading]
            let wide = Float(group.width) > severalAspect * Float(group.height)
                || (groups.count > 1 && Float(group.width) > severalWidths * usualWidth)
            if wide {
                readings = split(group, in: map, score: score)
            } else {
                // A group read unsurely as one digit may be two narrow ones that touch (a 0 and a 1, two 1s): cut
                // by recognition too, which keeps it whole if no cut reads better.
                readings = one(group, in: map, score: score)
                if let only = readings.first, confidence(only.scores) < unsure { readings = split(group, in: map, score: score) }
            }
            if !readings.isEmpty { readings[0].sign = group.sign }
            return readings
        }
    }

    /// A set of parts and their box, in the map's pixels, and the sign written just before it (`NumberSigns`).
    struct Group {
        var parts: [Int]
        var minX: Int, minY: Int, maxX: Int, maxY: Int
        var sign = ""
        var width: Int { maxX - minX + 1 }
        var height: Int { maxY - minY + 1 }

        init(_ id: Int, _ part: InkMap.Part) {
            (parts, minX, minY, maxX, maxY) = ([id], part.minX, part.minY, part.maxX, part.maxY)
        }

        mutating func absorb(_ other: Group) {
            parts += other.parts
            (minX, minY) = (min(minX, other.minX), min(minY, other.minY))
            (maxX, maxY) = (max(maxX, other.maxX), max(maxY, other.maxY))
        }
    }

    // MARK: 1. Marks

    /// Whether part `id` is a horizontal stroke (an underline, a ruled line, a dash): at least three times as wide
    /// as tall, and one line of ink, which most of its columns cross once. A number whose digits all touch is as
    /// long, but most of its columns cross two strokes or more (a 0's two sides, a 3's three arms).
    static func isHorizontalStroke(_ id: Int, in map: InkMap) -> Bool {
        let part = map.parts[id]
        guard part.width >= 3 * part.height else { return false }
        return Float(columnsCrossedOnce(id, in: map)) >= strokeColumns * Float(part.width)
    }

    /// How many columns of part `id` cross its ink once (or not at all).
    static func columnsCrossedOnce(_ id: Int, in map: InkMap) -> Int {
        let part = map.parts[id]
        let width = map.plane.width
        var once = 0
        for x in part.minX...part.maxX {
            var (runs, inside) = (0, false)
            for y in part.minY...part.maxY {
                let here = map.label[y * width + x] == Int32(id)
                if here && !inside { runs += 1 }
                inside = here
            }
            if runs <= 1 { once += 1 }
        }
        return once
    }

    /// The median height of the ink in the substantial parts that are not horizontal strokes (each part's height
    /// counted once per pixel of it, so that a digit's detached flag does not count as much as its body).
    static func digitHeight(_ map: InkMap) -> Float {
        let isSubstantial = map.substantialParts()
        let substantial = isSubstantial.indices.filter { isSubstantial[$0] }
        let strokes = substantial.filter { map.parts[$0].peak >= faintestPeak }
        let candidates = strokes.isEmpty ? substantial : strokes
        let upright = candidates.filter { !isHorizontalStroke($0, in: map) }
        let parts = (upright.isEmpty ? candidates : upright).map { map.parts[$0] }.sorted { $0.height < $1.height }
        let half = parts.reduce(0) { $0 + $1.area } / 2
        var seen = 0
        for part in parts {
            seen += part.area
            if seen > half { return Float(part.height) }
        }
        return Float(parts.last!.height)
    }

    static func marks(of map: InkMap, digitHeight h: Float) -> [Int] {
        let (ink, largest) = (map.inkParts(), map.largestInk)
        let (width, height) = (map.plane.width, map.plane.height)
        return map.parts.indices.filter { id in
            let part = map.parts[id]
            let size = Float(max(part.width, part.height))
            guard ink[id], part.area * 40 >= largest, size >= 0.3 * h, part.peak >= faintestPeak else { return false }
            if Float(part.width) >= 1.2 * h && isHorizontalStroke(id, in: map) { return false }
            if Float(part.height) > 2.2 * h { return false }
            let sides = [part.minX == 0, part.minY == 0, part.maxX == width - 1, part.maxY == height - 1].count { $0 }
            return !(sides >= 2 && size >= 2 * h)
        }
    }

    // MARK: 2. Groups

    /// The marks of `map` in groups, left to right; an error where there are none, or more than a number has.
    static func groups(in map: InkMap, digitHeight h: Float) throws(PreparationError) -> [Group] {
        let marks = self.marks(of: map, digitHeight: h)
        // Grouping compares marks in pairs: a texture's thousands of marks are refused before it.
        guard marks.count <= 4 * markLimit else { throw .tooManyMarks(marks.count) }
        let groups = self.groups(of: marks, in: map, digitHeight: h)
        guard groups.count <= markLimit else { throw .tooManyMarks(groups.count) }
        guard !groups.isEmpty else { throw .noDigit }
        return groups
    }

    static func groups(of marks: [Int], in map: InkMap, digitHeight h: Float) -> [Group] {
        let isFragment = { (group: Group) in Float(group.height) < 0.5 * h }
        // Marks one above the other are one digit (a 4 in two strokes, a broken line), unless together they are
        // much taller than a digit: two digits on two lines of writing. That needs the lines to be lines, one of
        // them two digits side by side at least; a digit broken across the middle, the only digit of its picture,
        // makes the digits' height half its own and would pass for two lines of one digit each.
        let stacked = merged(marks, in: map, digitHeight: h, tallest: 1.5 * h)
        let sideBySide = lines(of: stacked.filter { !isFragment($0) }).contains { line in
            zip(line, line.dropFirst()).contains { a, b in
                2 * (min(a.maxX, b.maxX) - max(a.minX, b.minX) + 1) < min(a.width, b.width)
            }
        }
        let groups = sideBySide ? stacked : merged(marks, in: map, digitHeight: h, tallest: .infinity)
        // A group much lower than a digit is a fragment of its neighbour (a 5's flag, a 7's bar written apart)
        // when it is close to one, and otherwise not a digit (a stray mark; a dash, a point or a comma is a sign,
        // when it stands where `NumberSigns` says one is written).
        var digits = groups.filter { !isFragment($0) }
        let signs = NumberSigns.mark(&digits, in: map, digitHeight: h)
        for fragment in groups where isFragment(fragment) && !fragment.parts.contains(where: signs.contains) {
            // Among the digits beside it, not those of another line.
            let gaps = digits.map { digit in
                max(digit.minY, fragment.minY) - min(digit.maxY, fragment.maxY) - 1 > Int(0.5 * h)
                    ? Int.max : max(digit.minX, fragment.minX) - min(digit.maxX, fragment.maxX) - 1
            }
            if let nearest = gaps.indices.min(by: { gaps[$0] < gaps[$1] }), Float(gaps[nearest]) <= 0.4 * h {
                digits[nearest].absorb(fragment)
            }
        }
        return digits.sorted { $0.minX < $1.minX }
    }

    /// `marks` in groups: marks whose columns overlap by half the narrower one's width and whose rows are at most
    /// half a digit's height apart, while together they are at most `tallest` (or the taller one's) high.
    static func merged(_ marks: [Int], in map: InkMap, digitHeight h: Float, tallest: Float) -> [Group] {
        var groups = marks.map { Group($0, map.parts[$0]) }.sorted { $0.minX < $1.minX }
        var merged = true
        while merged {
            merged = false
            search: for i in groups.indices {
                for j in groups.indices where j > i {
                    let (a, b) = (groups[i], groups[j])
                    let overlap = min(a.maxX, b.maxX) - max(a.minX, b.minX) + 1
                    let gap = max(a.minY, b.minY) - min(a.maxY, b.maxY) - 1
                    let height = max(a.maxY, b.maxY) - min(a.minY, b.minY) + 1
                    if 2 * overlap >= min(a.width, b.width) && Float(gap) <= 0.5 * h
                        && Float(height) <= max(tallest, Float(max(a.height, b.height))) {
                        groups[i].absorb(b)
                        groups.remove(at: j)
                        merged = true
                        break search
                    }
                }
            }
        }
        return groups
    }

    /// `groups` in lines of writing, top to bottom, each left to right: two groups whose rows overlap by at least
    /// `lineOverlap` of the shorter one's height are on one line, and so are groups joined through others (a line
    /// along a slope, whose first and last digits may share no row).
    static func lines(of groups: [Group]) -> [[Group]] {
        lineIndices(of: groups).map { $0.map { groups[$0] } }
    }

    /// `lines(of:)` as indices of `groups`.
    static func lineIndices(of groups: [Group]) -> [[Int]] {
        var line = Array(groups.indices)
        func root(_ i: Int) -> Int { line[i] == i ? i : root(line[i]) }
        for i in groups.indices {
            for j in groups.indices where j > i {
                let (a, b) = (groups[i], groups[j])
                let overlap = min(a.maxY, b.maxY) - max(a.minY, b.minY) + 1
                if Float(overlap) >= lineOverlap * Float(min(a.height, b.height)) { line[root(j)] = root(i) }
            }
        }
        let lines = Dictionary(grouping: groups.indices, by: root).values.map { members in
            members.sorted { groups[$0].minX < groups[$1].minX }
        }
        // Top to bottom by the middle of each line's groups.
        func middle(_ line: [Int]) -> Float {
            Float(line.reduce(0) { $0 + groups[$1].minY + groups[$1].maxY }) / Float(2 * line.count)
        }
        return lines.sorted { (middle($0), groups[$0[0]].minX) < (middle($1), groups[$1[0]].minX) }
    }

    // MARK: 3. Cuts by recognition

    /// A group read as one digit.
    static func one(_ group: Group, in map: InkMap, score: ([Float]) -> [Float]) -> [DigitReading] {
        var chosen = [Bool](repeating: false, count: map.parts.count)
        for id in group.parts { chosen[id] = true }
        let columns = DigitPreparation.Columns(group.minX..<group.maxX + 1, rows: map.plane.height)
        guard let prepared = DigitPreparation.digit(in: map, parts: chosen, columns: columns)
        else { return [] }
        return [DigitReading(prepared: prepared, scores: score(prepared.networkInput))]
    }

    /// A reading of some ink: its digits, left to right, and its total (log-confidences less the costs).
    typealias Reading = (total: Float, digits: [DigitReading])

    /// The digits of one group, left to right. Its parts, in order of their left edges, are read in runs of
    /// consecutive parts (digits that overlap without touching are told apart whole), each run cut further
    /// where its ink touches (`readColumns`); the runs and cuts that read best are chosen.
    static func split(_ group: Group, in map: InkMap, score: ([Float]) -> [Float]) -> [DigitReading] {
        let reading = split(group, finer: false, in: map, score: score)
        guard let worst = reading.map({ confidence($0.scores) }).min(), worst < unsure else { return reading }
        return split(group, finer: true, in: map, score: score)
    }

    /// The digits of one group with the thinnest columns as candidate cuts, and with `finer`, a cut every
    /// `finerStep` of the height as well.
    static func split(_ group: Group, finer: Bool, in map: InkMap, score: ([Float]) -> [Float]) -> [DigitReading] {
        let line = InkExtent(group, in: map)
        let parts = group.parts.sorted { map.parts[$0].minX < map.parts[$1].minX }
        guard parts.count <= partLimit else {
            return readColumns(group, line: line, whole: true, finer: finer, in: map, score: score)?.digits ?? []
        }
        var best: [Reading?] = Array(repeating: nil, count: parts.count + 1)
        best[0] = (0, [])
        for j in 1...parts.count {
            for i in 0..<j {
                let whole = i == 0 && j == parts.count
                guard let before = best[i], whole || j - i <= runLimit else { continue }
                var run = Group(parts[i], map.parts[parts[i]])
                for id in parts[i + 1..<j] { run.absorb(Group(id, map.parts[id])) }
                guard let reading = readColumns(run, line: line, whole: whole, finer: finer, in: map, score: score)
                else { continue }
                if best[j].map({ before.total + reading.total > $0.total }) ?? true {
                    best[j] = (before.total + reading.total, before.digits + reading.digits)
                }
            }
        }
        return best[parts.count]?.digits ?? []
    }

    /// The best reading of a group's ink cut into columns at some of its candidate cuts, or nil when no way of
    /// cutting it makes digits. A piece lower than `minPiece` of the `line` it is part of is not a digit, unless
    /// it is the `whole` of its group.
    static func readColumns(_ group: Group, line: InkExtent, whole: Bool, finer: Bool, in map: InkMap,
                            score: ([Float]) -> [Float]) -> Reading? {
        let h = line.height
        var chosen = [Bool](repeating: false, count: map.parts.count)
        for id in group.parts { chosen[id] = true }
        // Each candidate cut straight and, where the strokes make it bend, bent: the reading chooses.
        let rows = map.plane.height
        var cuts = [group.minX], paths = [[Int](repeating: group.minX, count: rows)]
        for x in candidateCuts(group, chosen: chosen, finer: finer, in: map) {
            let straight = [Int](repeating: x, count: rows), bent = bentCut(at: x, through: group, chosen: chosen, in: map)
            for path in bent == straight ? [straight] : [straight, bent] {
                cuts.append(x)
                paths.append(path)
            }
        }
        cuts.append(group.maxX + 1)
        paths.append([Int](repeating: group.maxX + 1, count: rows))

        // best[j]: the best reading of the columns up to cuts[j].
        var best: [Reading?] = Array(repeating: nil, count: cuts.count)
        best[0] = (0, [])
        for j in 1..<cuts.count {
            for i in 0..<j {
                guard let before = best[i] else { continue }
                let all = i == 0 && j == cuts.count - 1
                guard cuts[i] < cuts[j], all || Float(cuts[j] - cuts[i]) <= 1.5 * h,
                      let prepared = DigitPreparation.digit(
                          in: map, parts: chosen, columns: DigitPreparation.Columns(between: paths[i], and: paths[j])),
                      (whole && all)
                          || Float(prepared.box.height) >= minPiece * line.height(near: cuts[i]..<cuts[j]) * map.filePixelsPerPixel
                else { continue }
                let reading = DigitReading(prepared: prepared, scores: score(prepared.networkInput))
                let total = before.total + log(confidence(reading.scores) + 1e-6) - shapeCost(reading)
                if best[j].map({ total > $0.total }) ?? true {
                    best[j] = (total, before.digits + [reading])
                }
            }
        }
        return best[cuts.count - 1]
    }

    /// The top and bottom of a group's ink in each of its columns: how tall the line is near a piece. Along a
    /// slope a group of several digits (at least `lineAspect` times as wide as tall) is taller than any of them,
    /// and a piece is measured against the ink around it, not against the whole group; in a narrower group, the
    /// ink around a piece may be a digit's own tail (a 6's loop), and the group's height is the measure.
    struct InkExtent {
        static let lineAspect: Float = 2
        let minX: Int
        /// The group's height.
        let height: Float
        let isLine: Bool
        var top: [Int], bottom: [Int]

        init(_ group: Group, in map: InkMap) {
            var chosen = [Bool](repeating: false, count: map.parts.count)
            for id in group.parts { chosen[id] = true }
            (minX, height) = (group.minX, Float(group.height))
            isLine = Float(group.width) >= Self.lineAspect * height
            (top, bottom) = ([Int](repeating: Int.max, count: group.width), [Int](repeating: Int.min, count: group.width))
            let width = map.plane.width
            for y in group.minY...group.maxY {
                for x in group.minX...group.maxX {
                    let id = map.label[y * width + x]
                    guard id >= 0 && chosen[Int(id)] else { continue }
                    (top[x - minX], bottom[x - minX]) = (min(top[x - minX], y), max(bottom[x - minX], y))
                }
            }
        }

        /// How tall the line is near `columns`: in a line of several digits, the height of the ink in them and
        /// half the group's height on each side, but not below `minPiece` of the group's height (the end of a 2's
        /// flat base is not a line of its own); otherwise the group's height.
        func height(near columns: Range<Int>) -> Float {
            guard isLine else { return height }
            return min(height, max(minPiece * height, extent(of: columns, reach: Int(height / 2))))
        }

        /// The height of the ink in `columns` and `reach` more on each side.
        func extent(of columns: Range<Int>, reach: Int) -> Float {
            let window = max(0, columns.lowerBound - reach - minX)..<min(top.count, columns.upperBound + reach - minX)
            guard let high = window.map({ top[$0] }).min(), let low = window.map({ bottom[$0] }).max(), low >= high
            else { return 0 }
            return Float(low - high + 1)
        }
    }

    /// The width-to-height ratios of the ink of MNIST's training digits, per digit: the 2nd and 98th
    /// percentiles (over its first 50,000 digits, pixels ≥ 128 counted as ink). A "1" is narrow, a "0" round.
    static let aspects: [(low: Float, high: Float)] = [
        (0.55, 1.43), (0.15, 0.9), (0.55, 1.58), (0.5, 1.25), (0.5, 1.25),
        (0.5, 1.67), (0.4, 1.11), (0.46, 1.25), (0.45, 1.18), (0.4, 1.0),
    ]

    /// How unlike the digit it is read as a piece is in shape: 0 within the digit's usual width-to-height ratios,
    /// growing with the logarithm of how far outside them it falls (half the narrowest usual 5 costs
    /// `shapeWeight` × log 2). A slice of a wide digit reads as that digit only too gladly; its shape does not.
    static func shapeCost(_ reading: DigitReading) -> Float {
        let box = reading.prepared.box
        let aspect = Float(box.width) / Float(box.height)
        let (low, high) = aspects[reading.digit]
        return shapeWeight * max(0, log(low / aspect), log(aspect / high))
    }

    /// A cut near column `x` that bends round the group's strokes: per row of the map, the column it passes, at most
    /// `bendLimit` of the group's height away from `x` and one column from row to row, crossing as little of the
    /// group's ink as it can (dynamic programming over the rows), and straight where the ink allows (each column
    /// away from `x` costs a little). Where digits overlap, a straight cut takes a piece of one into the other;
    /// this one goes round it.
    static func bentCut(at x: Int, through group: Group, chosen: [Bool], in map: InkMap) -> [Int] {
        let width = map.plane.width
        let reach = Int(bendLimit * Float(group.height))
        let (low, high) = (max(group.minX, x - reach), min(group.maxX, x + reach))
        var path = [Int](repeating: x, count: map.plane.height)
        guard reach >= 1, low < high else { return path }
        let span = high - low + 1
        let rows = group.minY...group.maxY
        // cost[c]: the least cost of a path from the group's top row to column low + c of this row.
        var cost = [Float](repeating: 0, count: span)
        var from = [Int](repeating: 0, count: span * rows.count)
        func here(_ c: Int, _ y: Int) -> Float {
            let id = map.label[y * width + low + c]
            return (id >= 0 && chosen[Int(id)] ? 1 : 0) + 0.01 * Float(abs(low + c - x))
        }
        for c in 0..<span { cost[c] = here(c, group.minY) }
        for (r, y) in rows.enumerated().dropFirst() {
            var next = cost
            for c in 0..<span {
                var (best, pick) = (cost[c], c)
                if c > 0, cost[c - 1] + 0.005 < best { (best, pick) = (cost[c - 1] + 0.005, c - 1) }
                if c + 1 < span, cost[c + 1] + 0.005 < best { (best, pick) = (cost[c + 1] + 0.005, c + 1) }
                next[c] = best + here(c, y)
                from[r * span + c] = pick
            }
            cost = next
        }
        var c = cost.indices.min { cost[$0] < cost[$1] }!
        for r in stride(from: rows.count - 1, through: 0, by: -1) {
            path[group.minY + r] = low + c
            c = from[r * span + c]
        }
        // Above and below the group, straight on.
        for y in 0..<group.minY { path[y] = path[group.minY] }
        for y in group.maxY + 1..<path.count { path[y] = path[group.maxY] }
        return path
    }

    /// Columns inside a group wide enough to hold two digits where its ink is thinnest: local minima of the
    /// column sums (over three columns), at least a sixth of the height from either end and from each other,
    /// the thinnest `cutLimit` of them; with `finer`, also a column every `finerStep` of the height between
    /// them; left to right.
    static func candidateCuts(_ group: Group, chosen: [Bool], finer: Bool, in map: InkMap) -> [Int] {
        let h = Float(group.height)
        guard Float(group.width) > splitAspect * h else { return [] }
        let width = map.plane.width
        var sums = [Int](repeating: 0, count: group.width + 2)
        for y in group.minY...group.maxY {
            for x in group.minX...group.maxX {
                let id = map.label[y * width + x]
                if id >= 0 && chosen[Int(id)] { sums[x - group.minX + 1] += 1 }
            }
        }
        let smooth: [Int] = (0..<group.width).map { (x: Int) -> Int in sums[x] + sums[x + 1] + sums[x + 2] }
        let margin = max(1, Int(h / 6))
        guard group.width > 2 * margin else { return [] }
        var candidates: [Int] = (margin..<group.width - margin).filter { (x: Int) -> Bool in
            smooth[x] <= smooth[x - 1] && smooth[x] < smooth[x + 1]
        }
        candidates.sort { smooth[$0] < smooth[$1] }
        var kept: [Int] = []
        for x in candidates where kept.count < cutLimit && kept.allSatisfy({ abs($0 - x) >= margin }) { kept.append(x) }
        if finer {
            let step = max(1, Int(finerStep * h))
            for x in stride(from: margin, to: group.width - margin, by: step) where kept.allSatisfy({ abs($0 - x) >= step / 2 }) {
                kept.append(x)
            }
        }
        return kept.sorted().map { $0 + group.minX }
    }
}

extension DigitReading {
    /// `prepared` read by `network`.
    public init(prepared: PreparedDigit, network: some Classifier) {
        self.init(prepared: prepared, scores: network.scores(prepared.networkInput))
    }
}

/// One digit of a reading as `digits predict --json` and `POST /api/predict` give it.
public struct DigitAnswer: Encodable, Sendable {
    public let digit: Int
    public let scores: [Float]
    /// x, y, width, height in the picture's pixels (upright, after EXIF orientation).
    public let box: [Int]
    /// The line of writing it is on, counted from 1 at the top.
    public let line: Int
    /// The sign written just before it, ".", "-" or ","; absent where there is none.
    public let sign: String?

    public init(_ reading: DigitReading) {
        digit = reading.digit
        scores = reading.scores
        let b = reading.prepared.box
        box = [b.x, b.y, b.width, b.height]
        line = reading.line + 1
        sign = reading.sign.isEmpty ? nil : reading.sign
    }
}
