// The ground a sheet of paper lies on. A phone's photo of a note on a desk shows the desk round the paper, often
// more desk than paper: then the picture's median is the desk, the paper reads as a light "ink" on a dark ground,
// and the digits, holes in it, are lost. Where the desk shows on one side only, dividing out the paper's
// brightness block by block (`DigitPreparation.separatingInk`) still makes the desk next to the paper a wide band
// of ink. So, before the polarity is chosen (`InkMap`), the ground is found and painted over with the paper:
//  1. The picture splits into dark and light at Otsu's threshold. What stays of each after an opening (an erosion
//     then a dilation by `openingRadius` of the longer side) is solid: strokes, ruled lines and specks are thinner.
//  2. Ground is a solid dark part covering at least `area` of the picture and running along at least `contact` of
//     one of its sides: a desk comes in from the picture's edge, a digit at most touches it.
//  3. Paper is the largest solid light part, at least `paperArea` of the picture, and a sheet, not a stroke: with
//     what is written on it filled in (holes in it, mostly thin dark strokes and the paper between them), it holds
//     a disc of radius `paperCore` of the picture's longer side, however it is turned. A light digit on a dark
//     ground is strokes, however bold, and the holes in it (a 0's inside) are solid dark ground.
//  4. The dark is at most `darker` times as bright as the light (their medians: a lighting gradient across the
//     paper is no desk), and the ground is bare: less than `bareness` of it is far from the dark's level, so
//     that a blackboard with chalk on it, the wall beside it, stays the page, and so does paper in a shadow with
//     a small number on it (in a photo 2,400 across shrunk to 400, digits 60 pixels tall leave some 50 pixels
//     far from the shadow's level in 23,000: more than 1/400 would have allowed, and they were painted over).
//  5. The ground, and the opening's radius round it (the paper's blurred edge), take the value of the nearest
//     paper in their row, or in rows all ground, of the nearest row with paper.
// Pictures smaller than `InkMap.smallestPage` on their longer side are left alone: a digit or two, not a desk.
// A desk lighter than `darker` of the paper is not ground; where it shows beside the paper, `InkMap`'s frame rule
// leaves the band out. (Chosen on the desk and
// sheet sets of validation digits, `scripts/number-accuracy --validation --desk` and `--sheet`, with every
// picture of the other sets reading as before; `bareness` later on the shadow set, `--shadow`.)
enum Ground {
    static let openingRadius: Float = 1 / 200
    static let area: Float = 0.05
    static let contact: Float = 0.5
    static let paperArea: Float = 0.1
    static let paperCore: Float = 0.14
    static let darker: Float = 0.6
    static let bareness: Float = 1 / 1_000

    /// `plane` (luminance, 1 = white) with the ground it shows painted over with the paper beside it, or nil where
    /// it shows none.
    static func covered(_ plane: Plane) -> Plane? {
        let (width, height) = (plane.width, plane.height)
        let pixels = Float(width * height)
        guard max(width, height) >= InkMap.smallestPage else { return nil }
        let threshold = DigitPreparation.otsuThreshold(plane.values)
        let dark = plane.values.map { $0 < threshold }
        let darkValues = plane.values.indices.filter { dark[$0] }.map { plane.values[$0] }
        guard Float(darkValues.count) >= area * pixels else { return nil }
        let groundLevel = median(darkValues)
        let paperLevel = median(plane.values.indices.filter { !dark[$0] }.map { plane.values[$0] })
        guard groundLevel <= darker * paperLevel else { return nil }
        let radius = max(1, Int((openingRadius * Float(max(width, height))).rounded()))
        let solidDark = Mask(dark, width: width, height: height).eroded(radius).dilated(radius)
        var ground = Mask([Bool](repeating: false, count: width * height), width: width, height: height)
        for part in solidDark.parts()
        where Float(part.count) >= area * pixels && solidDark.runsAlongASide(part, contact: contact) {
            for p in part { ground.bits[p] = true }
        }
        guard ground.bits.contains(true) else { return nil }
        let solidLight = Mask(dark.map { !$0 }, width: width, height: height).eroded(radius).dilated(radius)
        guard let paper = solidLight.parts().max(by: { $0.count < $1.count }), Float(paper.count) >= paperArea * pixels
        else { return nil }
        var sheet = Mask([Bool](repeating: false, count: width * height), width: width, height: height)
        for p in paper { sheet.bits[p] = true }
        let outside = Mask(sheet.bits.map { !$0 }, width: width, height: height)
        for hole in outside.parts()
        where 2 * hole.count(where: { solidDark.bits[$0] }) < hole.count && !outside.touchesAnEdge(hole) {
            for p in hole { sheet.bits[p] = true }
        }
        guard sheet.inscribedRadius() >= paperCore * Float(max(width, height)) else { return nil }
        // Far from the ground's level: darker than half of it, or lighter than halfway to the paper; holes in it
        // (chalk) count, closed over.
        let closed = ground.dilated(2 * radius).eroded(2 * radius)
        let (low, high) = (groundLevel * 0.5, groundLevel + 0.5 * (paperLevel - groundLevel))
        let marks = closed.bits.indices.count { closed.bits[$0] && (plane.values[$0] < low || plane.values[$0] > high) }
        guard Float(marks) < bareness * Float(closed.bits.count { $0 }) else { return nil }
        return painted(plane, over: ground.dilated(radius).bits)
    }

    private static func median(_ values: [Float]) -> Float { DigitPreparation.percentile(values, 0.5) }

    /// `plane` with the pixels of `mask` taking the value of the nearest pixel outside it in their row, or where
    /// the whole row is inside, of the nearest row that is not.
    private static func painted(_ plane: Plane, over mask: [Bool]) -> Plane {
        let (width, height) = (plane.width, plane.height)
        var out = plane
        var filled = [Bool](repeating: false, count: height)
        for y in 0..<height {
            let row = y * width
            let nearest = nearestOutside(count: width) { mask[row + $0] }
            guard nearest[0] >= 0 else { continue }
            filled[y] = true
            for x in 0..<width where mask[row + x] { out.values[row + x] = plane.values[row + nearest[x]] }
        }
        let nearestRow = nearestOutside(count: height) { !filled[$0] }
        guard nearestRow[0] >= 0 else { return plane }
        for y in 0..<height where !filled[y] {
            let source = nearestRow[y] * width
            out.values.replaceSubrange(y * width..<(y + 1) * width, with: out.values[source..<source + width])
        }
        return out
    }

    /// For each of `count` positions, the nearest position (itself included) that is not `inside`; -1 for all
    /// where every position is inside.
    private static func nearestOutside(count: Int, inside: (Int) -> Bool) -> [Int] {
        var nearest = [Int](repeating: -1, count: count)
        var last = -1
        for i in 0..<count {
            if !inside(i) { last = i }
            nearest[i] = last
        }
        last = -1
        for i in (0..<count).reversed() {
            if !inside(i) { last = i }
            if last >= 0 && (nearest[i] < 0 || last - i < i - nearest[i]) { nearest[i] = last }
        }
        return nearest
    }
}
