// The signs written among a number's digits: a decimal point ("3.14", "0.5") and a minus sign or hyphen ("-12",
// "2026-12-07"). A sign is one part of the ink that is not in a digit's group and has a sign's shape and place:
//  - a point is small (at most `pointLargest` of the digits' height, at least `pointSmallest` of a stroke's
//    width, so that the paper's specks are not points), roundish (no side more than `pointAspect` times the
//    other) and filled (ink in at least `pointFill` of its box), and it sits on the baseline (its middle at most
//    `pointRise` of its neighbours' height above their bottoms, at most `pointDrop` below) between two digits;
//  - a dash is a short horizontal stroke (`dashShortest` to `dashLongest` of the digits' height long, at least
//    `dashAspect` times as long as thick, most of its columns crossing its ink once) at mid-height (its middle
//    between `dashHighest` and `dashLowest` of its neighbours' height), in the gap between two digits or before
//    the first digit of a line, at most `dashLead` of the digits' height before it.
//  - a comma is small (at most `commaLargest` of the digits' height) and a stroke, not a round dot (at least
//    `commaAspect` times as tall as wide, or ink in less than `commaFill` of its box), that starts near the
//    baseline (its top at most `commaRise` of its neighbours' height above their bottoms, at most `commaStart`
//    below) and falls below it (its lowest ink at least `commaDrop` of their height below their bottoms), between
//    two digits: "3,14", "1,000" (read as written: which a comma is, decimal or thousands, is the reader's to say).
// A part may have a comma's shape and a point's (a point written as a short tick); where it stands says which it
// is, a comma tried first. A gap holding two such signs, or a mark beside its sign (`blocking`: a 5's body beside
// its flag written apart), holds none. A point or comma after the last digit (a full stop) is not read.

/// Finds the signs between the digits of a line.
enum NumberSigns {
    static let pointLargest: Float = 0.3
    static let pointSmallest: Float = 0.5
    static let pointAspect: Float = 2
    static let pointFill: Float = 0.5
    static let pointRise: Float = 0.25
    static let pointDrop: Float = 0.15
    static let dashShortest: Float = 0.25
    static let dashLongest: Float = 1.2
    static let dashAspect: Float = 2
    static let dashHighest: Float = 0.25
    static let dashLowest: Float = 0.75
    static let dashLead: Float = 0.8
    static let commaLargest: Float = 0.5
    static let commaAspect: Float = 1.15
    static let commaFill: Float = 0.6
    static let commaRise: Float = 0.3
    static let commaStart: Float = 0.1
    static let commaDrop: Float = 0.1
    /// A part in a gap at least this tall or wide (of the digits' height) is a mark, not a speck, and a gap with such
    /// a mark beside its sign holds none.
    static let blocking: Float = 0.3

    enum Shape: Character { case point = ".", dash = "-", comma = "," }

    /// The shapes of signs that part `id` has, for digits `h` tall written with strokes `stroke` wide: none, one,
    /// or a comma's and a point's, which its place tells apart.
    static func shapes(of id: Int, in map: InkMap, digitHeight h: Float, stroke: Float) -> [Shape] {
        let part = map.parts[id]
        guard part.peak >= NumberReading.faintestPeak else { return [] }
        let (long, short) = (Float(max(part.width, part.height)), Float(min(part.width, part.height)))
        let fill = Float(part.area) / Float(part.width * part.height)
        let notSpeck = long >= max(2, pointSmallest * stroke)
        var shapes: [Shape] = []
        if notSpeck, long <= commaLargest * h, Float(part.height) >= commaAspect * Float(part.width) || fill < commaFill {
            shapes.append(.comma)
        }
        if notSpeck, long <= pointLargest * h, long <= pointAspect * short, fill >= pointFill {
            shapes.append(.point)
        }
        if Float(part.width) >= dashAspect * Float(part.height), Float(part.width) >= dashShortest * h,
           Float(part.width) <= dashLongest * h,
           Float(NumberReading.columnsCrossedOnce(id, in: map)) >= NumberReading.strokeColumns * Float(part.width) {
            shapes.append(.dash)
        }
        return shapes
    }

    /// Whether a part of `shape` in `box`, in the gap before `right` (`isInGap`), is where that sign is written
    /// beside the digits `left` and `right` (nil before the first digit of a line).
    static func isPlaced(_ shape: Shape, _ box: NumberReading.Group, after left: NumberReading.Group?,
                         before right: NumberReading.Group, digitHeight h: Float) -> Bool {
        let (top, bottom) = rows(of: left, and: right)
        let (middle, height) = (Float(box.minY + box.maxY) / 2, bottom - top)
        switch shape {
        case .point:
            return left != nil && middle >= bottom - pointRise * height && middle <= bottom + pointDrop * height
        case .dash:
            let near = left != nil || Float(right.minX - box.maxX - 1) <= dashLead * h
            return near && middle >= top + dashHighest * height && middle <= top + dashLowest * height
        case .comma:
            return left != nil && Float(box.minY) >= bottom - commaRise * height
                && Float(box.minY) <= bottom + commaStart * height && Float(box.maxY) >= bottom + commaDrop * height
        }
    }

    /// Marks the sign written just before each of `digits` that has one, and returns the parts that are signs.
    /// Every part that is not in a digit is looked at, those too small for a point (specks) aside: a gap between two
    /// digits of a line (or the space before a line's first digit) holds a sign when the one part in it has a
    /// sign's shape and place.
    static func mark(_ digits: inout [NumberReading.Group], in map: InkMap, digitHeight h: Float) -> Set<Int> {
        guard !digits.isEmpty else { return [] }
        var taken = [Bool](repeating: false, count: map.parts.count)
        for id in digits.flatMap(\.parts) { taken[id] = true }
        let stroke = strokeWidth(of: digits, in: map)
        let ink = map.inkParts()
        let others = map.parts.indices.filter { id in
            let part = map.parts[id]
            return ink[id] && !taken[id] && part.peak >= NumberReading.faintestPeak
                && Float(max(part.width, part.height)) >= max(2, pointSmallest * stroke)
        }
        var signs = Set<Int>()
        for line in NumberReading.lineIndices(of: digits) {
            for (k, index) in line.enumerated() {
                let (left, right) = (k > 0 ? digits[line[k - 1]] : nil, digits[index])
                let inGap = others.filter { isInGap(map.parts[$0], after: left, before: right, digitHeight: h) }
                let placed = inGap.compactMap { id -> (id: Int, shape: Shape)? in
                    let box = NumberReading.Group(id, map.parts[id])
                    return shapes(of: id, in: map, digitHeight: h, stroke: stroke)
                        .first { isPlaced($0, box, after: left, before: right, digitHeight: h) }.map { (id, $0) }
                }
                // Beside the sign, specks and dots out of place may lie in the gap, but no mark `blocking` tall or
                // wide (a 5's body beside its flag written apart).
                guard placed.count == 1, !inGap.contains(where: { id in
                    id != placed[0].id && Float(max(map.parts[id].width, map.parts[id].height)) >= blocking * h
                }) else { continue }
                digits[index].sign = String(placed[0].shape.rawValue)
                signs.insert(placed[0].id)
            }
        }
        return signs
    }

    /// Whether `part` lies in the gap between `left` and `right` (the space a sign may take before the first digit
    /// of a line, where `left` is nil), within the rows of the two and a quarter of their height above and below.
    static func isInGap(_ part: InkMap.Part, after left: NumberReading.Group?, before right: NumberReading.Group,
                        digitHeight h: Float) -> Bool {
        let start = left.map { $0.maxX + 1 } ?? right.minX - Int(((dashLead + dashLongest) * h).rounded(.up))
        guard part.minX >= start, part.maxX < right.minX else { return false }
        let (top, bottom) = rows(of: left, and: right)
        let margin = (bottom - top) / 4
        return Float(part.maxY) >= top - margin && Float(part.minY) <= bottom + margin
    }

    /// The top and bottom of the digits on either side of a gap, averaged (along a slope, the line's rows there).
    static func rows(of left: NumberReading.Group?, and right: NumberReading.Group) -> (top: Float, bottom: Float) {
        let neighbours = [left, right].compactMap { $0 }
        return (Float(neighbours.map(\.minY).reduce(0, +)) / Float(neighbours.count),
                Float(neighbours.map(\.maxY).reduce(0, +)) / Float(neighbours.count))
    }

    /// The median length of the horizontal runs of ink in `groups`: about a stroke's width.
    static func strokeWidth(of groups: [NumberReading.Group], in map: InkMap) -> Float {
        let width = map.plane.width
        var runs: [Int] = []
        for group in groups {
            let parts = Set(group.parts.map(Int32.init))
            for y in group.minY...group.maxY {
                var run = 0
                for x in group.minX...group.maxX + 1 {
                    if x <= group.maxX && parts.contains(map.label[y * width + x]) {
                        run += 1
                    } else if run > 0 {
                        runs.append(run)
                        run = 0
                    }
                }
            }
        }
        guard !runs.isEmpty else { return 1 }
        runs.sort()
        return Float(runs[runs.count / 2])
    }
}
