// Turns a picture a person made into the 28×28 image MNIST would have made of it.
//
// MNIST's recipe (LeCun, Cortes, Burges): "The original black and white (bilevel) images from NIST were size
// normalized to fit in a 20x20 pixel box while preserving their aspect ratio. The resulting images contain grey
// levels as a result of the anti-aliasing technique used by the normalization algorithm. The images were centered
// in a 28x28 image by computing the center of mass of the pixels, and translating the image so as to position
// this point at the center of the 28x28 field." Ink is 255, paper 0.
//
// A person's picture first needs what NIST's scans already had: a known background, ink separated from paper,
// nothing else in the frame. The steps, each a function below:
//  1. composite transparency over a background that contrasts with the ink, and shrink huge pictures;
//  2. decide whether the ink is dark on light paper or light on a dark ground (paper is most of the picture);
//  3. remove the paper's own brightness, estimated block by block (uneven light, tinted paper), leaving ink
//     coverage, bright on dark as in MNIST;
//  4. find the ink by Otsu's threshold, erase ruled lines from it (`RuledLines`), and find its connected parts
//     (`InkMap`); keep those that make the digit (all substantial ones for a lone digit, the chosen ones for
//     each digit of a number: `NumberReading`);
//  5. bring strokes that would be far thinner or bolder than MNIST's once scaled toward its width (a fine pen
//     on a large canvas, a marker);
//  6. crop, scale the longer side to 20 pixels by area averaging, and centre the mass in 28×28.

/// What the network sees of a picture, and what was found on the way.
public struct PreparedDigit: Equatable, Sendable {
    /// 28×28 row-major, 0 = background, 255 = ink, as MNIST.
    public let pixels: [UInt8]
    /// Whether the picture was dark ink on light paper, and so was inverted.
    public let inverted: Bool
    /// The digit's box in the original picture's pixels: x, y, width, height.
    public let box: (x: Int, y: Int, width: Int, height: Int)

    public static func == (a: PreparedDigit, b: PreparedDigit) -> Bool {
        a.pixels == b.pixels && a.inverted == b.inverted && a.box == b.box
    }

    /// The pixels as the network takes them, v / 255, the scale its training images had.
    public var networkInput: [Float] { pixels.map { Float($0) / 255 } }

    /// The same, its box moved by `offset` pixels (and kept right of and below the picture's first pixel).
    func moved(by offset: (x: Int, y: Int)) -> PreparedDigit {
        let (x, y) = (box.x + offset.x, box.y + offset.y)
        return PreparedDigit(pixels: pixels, inverted: inverted,
                             box: (max(0, x), max(0, y), box.width + min(0, x), box.height + min(0, y)))
    }
}

public enum PreparationError: Error, Equatable, CustomStringConvertible {
    case noDigit
    /// More of the picture is "ink" than is paper (`InkMap.inkLimit`): a texture, noise.
    case notInkOnPaper
    /// A picture cropped tight round its digit (`PaperAround`): read again with paper round it, and thrown only
    /// where that still finds the ink over the limit with whole paper.
    case croppedToInk
    /// More separate marks than a number has (`NumberReading.markLimit`): a page of text, a texture, noise.
    case tooManyMarks(Int)

    public var description: String {
        switch self {
        case .noDigit: "no digit found: the picture has no ink that stands out from its background"
        case .notInkOnPaper:
            "no digit found: most of the picture stands out from its background (a texture or noise?)"
        case .croppedToInk:
            "no digit found: most of the picture stands out from its background, even with paper added round it"
        case .tooManyMarks(let count):
            "more than \(NumberReading.markLimit) marks (\(count)): not a number; give a picture of one number"
        }
    }
}

public enum DigitPreparation {
    /// Side of the MNIST field, and of the box the digit is scaled into.
    public static let side = 28
    public static let box = 20
    /// Pictures are first shrunk so that their longer side is at most this: plenty for a 20-pixel result.
    public static let workingSide = 400
    /// Pictures are decoded keeping at least this on their longer side (a JPEG may be decoded at a fraction of its
    /// size): the detail that a closer look at a number small in a large photo needs (`NumberReading`).
    public static let decodingSide = 1_600
    /// Ink must stand out from the paper by this fraction of full scale, or there is no digit.
    static let minimumContrast: Float = 0.12
    /// Levels below this are black, for comparing levels by ratio: a camera's black is not 0, and JPEG noise
    /// near black is a few hundredths.
    static let blackLevel: Float = 0.05

    /// The picture read as one digit: all of its substantial ink (see `InkMap.substantialParts`).
    public static func prepare(_ image: GrayImage) throws(PreparationError) -> PreparedDigit {
        try PaperAround.reading(image, { image throws(PreparationError) in
            let map = try InkMap(image)
            return digit(in: map, parts: map.substantialParts(), columns: Columns(0..<map.plane.width, rows: map.plane.height))!
        }, moved: { $0.moved(by: ($1, $2)) })
    }

    /// The columns of a map that a digit's ink is taken from, row by row: a range, the same in every row, or the
    /// pixels between two cuts that bend round the strokes they pass (`NumberReading`).
    struct Columns {
        /// Per row of the map, the first column and the column past the last.
        private let lower: [Int], upper: [Int]

        init(_ range: Range<Int>, rows: Int) {
            lower = Array(repeating: range.lowerBound, count: rows)
            upper = Array(repeating: range.upperBound, count: rows)
        }

        /// The pixels at or right of `left` and left of `right` (each a column per row); none where they cross.
        init(between left: [Int], and right: [Int]) {
            (lower, upper) = (left, right)
        }

        subscript(row y: Int) -> Range<Int> { lower[y]..<max(lower[y], upper[y]) }
    }

    /// Steps 5 and 6 for one digit of `map`: the ink of the connected parts marked in `parts` (indexed by
    /// part) whose columns lie in `columns`, with the anti-aliased rim within two pixels of it, its strokes
    /// brought toward MNIST's width, cropped and centred. The only way any digit, alone in its picture or one of a number, reaches the network.
    /// Nil when that ink is empty. Without `thinningBold`, bold strokes are kept as they are (step 5).
    static func digit(in map: InkMap, parts: [Bool], columns: Columns, thinningBold: Bool = true) -> PreparedDigit? {
        let (width, height) = (map.plane.width, map.plane.height)
        // The chosen ink's box.
        var (minX, minY, maxX, maxY) = (width, height, -1, -1)
        for (id, part) in map.parts.enumerated() where parts[id] {
            for y in part.minY...part.maxY {
                let row = columns[row: y]
                let x0 = max(part.minX, row.lowerBound), x1 = min(part.maxX, row.upperBound - 1)
                guard x0 <= x1 else { continue }
                for x in x0...x1 where map.label[y * width + x] == Int32(id) {
                    (minX, minY, maxX, maxY) = (min(minX, x), min(minY, y), max(maxX, x), max(maxY, y))
                }
            }
        }
        guard maxX >= 0 else { return nil }
        // A window around it wide enough for the rim and for the widest thickening (radius ≤ side / 20).
        let margin = 3 + max(maxX - minX + 1, maxY - minY + 1) / box
        let (wx0, wy0) = (max(0, minX - margin), max(0, minY - margin))
        let (wx1, wy1) = (min(width, maxX + margin + 1), min(height, maxY + margin + 1))
        var window = Plane(width: wx1 - wx0, height: wy1 - wy0,
                           values: .init(repeating: 0, count: (wx1 - wx0) * (wy1 - wy0)))
        for y in wy0..<wy1 {
            let row = columns[row: y].clamped(to: wx0..<wx1)
            for x in row {
                let id = map.label[y * width + x]
                if id >= 0 && parts[Int(id)] { window[x - wx0, y - wy0] = 1 }
            }
        }
        // The rim: pixels below the threshold (or of the chosen parts) within two pixels of the chosen ink.
        let near = window.dilated(radius: 2)
        for y in wy0..<wy1 {
            let row = columns[row: y].clamped(to: wx0..<wx1)
            for x in row where near[x - wx0, y - wy0] > 0 {
                let id = map.label[y * width + x]
                if id < 0 || parts[Int(id)] { window[x - wx0, y - wy0] = map.plane[x, y] }
            }
        }
        for y in wy0..<wy1 {
            let row = columns[row: y]
            for x in wx0..<wx1 where !row.contains(x) || near[x - wx0, y - wy0] == 0 { window[x - wx0, y - wy0] = 0 }
        }
        let found = (x: minX - wx0, y: minY - wy0, width: maxX - minX + 1, height: maxY - minY + 1)
        let crop = strokesToMNISTWidth(&window, in: found, thinningBold: thinningBold)
        let pixels = centredByMass(window.cropped(to: crop))
        // The box reported is the ink's, grown as far as widening grew it.
        let ink = crop.width >= found.width ? crop : found
        let back = map.filePixelsPerPixel
        let original = (x: map.fileOrigin.x + Int(Float(ink.x + wx0) * back),
                        y: map.fileOrigin.y + Int(Float(ink.y + wy0) * back),
                        width: max(1, Int((Float(ink.width) * back).rounded())),
                        height: max(1, Int((Float(ink.height) * back).rounded())))
        return PreparedDigit(pixels: pixels, inverted: map.inverted, box: original)
    }

    // MARK: 1. Transparency

    /// Luminance in [0, 1] with transparency composited away.
    ///
    /// Where transparency is the background (canvas apps export the strokes alone), the background is made to
    /// contrast with the ink: white behind dark strokes, black behind light ones. A picture that is opaque, or
    /// transparent only here and there, goes on white, as a viewer shows it.
    static func composite(_ image: GrayImage) -> Plane {
        let gray = image.gray.map { Float($0) / 255 }
        guard image.hasTransparency else { return Plane(width: image.width, height: image.height, values: gray) }
        let alpha = image.alpha.map { Float($0) / 255 }
        let transparent = alpha.count { $0 < 0.5 }
        var background: Float = 1
        if transparent * 5 >= alpha.count {
            let weight = alpha.reduce(0, +)
            let inkLuminance = zip(gray, alpha).reduce(0) { $0 + $1.0 * $1.1 } / max(weight, 1e-6)
            background = inkLuminance < 0.5 ? 1 : 0
        }
        let values = zip(gray, alpha).map { g, a in a * g + (1 - a) * background }
        return Plane(width: image.width, height: image.height, values: values)
    }

    // MARK: 2–3. Polarity, background and contrast

    /// Whether the ink is darker than its paper. Paper is most of a picture, so its median lies nearer the
    /// paper's end of the picture's range than the ink's: nearer the level of its brightest few pixels than of
    /// its darkest few (`InkMap.strongInkPixels`, or a thousandth of the picture where that is fewer). The ends
    /// are the picture's own, not black and white: an underexposed photo of a page, grey paper, or a page mostly
    /// in shadow has its paper below mid-grey and its ink darker still (at a third of the light, "2026" had read
    /// as "4112416" against a fixed mid-grey). And nearer is by ratio, not difference (the median against the
    /// ends' geometric mean): light multiplies ink and paper alike, so a shadow over most of a page, at half the
    /// light, brings its paper halfway to black but no nearer its ink by ratio (of 100 photos of numbers across a
    /// shadow's edge, 12 had their lit paper read as the ink by difference).
    static func inkIsDark(_ plane: Plane) -> Bool {
        let few = Float(max(1, InkMap.strongInkCount(plane.values.count))) / Float(max(1, plane.values.count))
        let levels = percentiles(plane.values, [few, 0.5, 1 - few]).map { max($0, blackLevel) }
        return levels[1] * levels[1] > levels[0] * levels[2]
    }

    /// Ink coverage in [0, 1] (ink bright, paper 0), with the paper's own brightness removed.
    ///
    /// The paper's level is estimated on an 8×8 grid of blocks (a percentile on the paper's side of each block:
    /// strokes cover only a minority of a block) and interpolated between block centres, or taken from the
    /// picture closed over where that is darker (`closedOver`). Dark ink on light paper is what a camera sees of a
    /// page: light multiplies both, so coverage is 1 − L / paper, which makes uneven lighting and tinted paper
    /// disappear. Light ink on a dark ground (a screen, a blackboard) adds light, so there coverage is L − ground.
    static func separatingInk(_ plane: Plane, inkIsDark: Bool) -> Plane {
        var paper = backgroundLevels(plane, percentile: inkIsDark ? 0.8 : 0.2, paperIsBright: inkIsDark)
        if let closed = closedOver(plane, inkIsDark: inkIsDark) {
            for i in paper.values.indices {
                paper.values[i] = inkIsDark ? min(paper.values[i], closed.values[i] * (1 + closingMargin))
                                            : max(paper.values[i], closed.values[i] - closingMargin)
            }
        }
        var out = plane
        for i in plane.values.indices {
            out.values[i] = inkIsDark
                ? max(0, 1 - plane.values[i] / max(paper.values[i], 1e-3))
                : max(0, plane.values[i] - paper.values[i])
        }
        return out
    }

    /// The picture with its strokes closed over: a grey-level closing (each pixel the darkest of the brightest
    /// values around it; for light ink on a dark ground, the other way round) over a square a third of the
    /// picture's longer side across, wider than any stroke, the picture's edges repeated outwards so that a
    /// shadow's edge that meets them goes on beyond them. Where the light changes at once, at the hard edge of a
    /// shadow, the blocks carry the bright side's level over the edge and leave a band of "ink" along it that
    /// hides the digits beside it (a frame joining them, or a mark far larger than they are); the closing keeps
    /// the edge where it is. Where the light changes slowly it is no better than the blocks (it reaches the
    /// paper's brightest grains), so the paper is the closing only where that is darker than the blocks' level by
    /// more than `closingMargin` of it. Nil for pictures under `InkMap.smallestPage` pixels, a digit or two
    /// with no shadow across them, as the pieces the networks were trained on were made.
    static func closedOver(_ plane: Plane, inkIsDark: Bool) -> Plane? {
        let longer = max(plane.width, plane.height)
        guard longer >= InkMap.smallestPage else { return nil }
        // Worked out at most `workingSide` pixels across and enlarged again, each of its pixels standing for
        // `factor` × `factor` of the picture's: a shadow's edge is as sharp as those, at a fraction of the time
        // and memory.
        let factor = (longer + workingSide - 1) / workingSide
        let small = factor == 1 ? plane : plane.resampled(width: (plane.width + factor - 1) / factor,
                                                          height: (plane.height + factor - 1) / factor)
        let radius = max(small.width, small.height) / closingSpan
        let extended = small.extended(by: radius)
        let closed = extended.closed(radius: radius, inkIsDark: inkIsDark)
            .cropped(to: (radius, radius, small.width, small.height))
        guard factor > 1 else { return closed }
        let columns = (0..<plane.width).map { min(small.width - 1, $0 * small.width / plane.width) }
        var out = plane
        for y in 0..<plane.height {
            let row = min(small.height - 1, y * small.height / plane.height)
            for x in 0..<plane.width { out[x, y] = closed[columns[x], row] }
        }
        return out
    }

    static let closingSpan = 6
    /// Where the closing is taken, the paper is the closing raised by this fraction, so the shadowed paper beside
    /// the edge reads as up to this much ink; small digits' ink is faint once shrunk, and stretched to full ink it
    /// is stretched as much. At 0.1, numbers 60 pixels tall in shadowed photos 2,400 across were lost in that
    /// residue; much below 0.06, squared paper's grid starts to show. (Chosen on the pictures made of validation
    /// digits.)
    static let closingMargin: Float = 0.06

    /// A smooth estimate of the background: a percentile of each block of an 8×8 grid, then the paper's side of
    /// each 3×3 neighbourhood of blocks (a block inside a thick stroke takes its neighbours' paper), bilinearly
    /// interpolated between block centres (clamped beyond the outermost ones).
    static func backgroundLevels(_ plane: Plane, percentile q: Float, paperIsBright: Bool) -> Plane {
        let grid = 8
        let (bw, bh) = (max(1, plane.width / grid), max(1, plane.height / grid))
        let (cols, rows) = ((plane.width + bw - 1) / bw, (plane.height + bh - 1) / bh)
        var levels = [Float](repeating: 0, count: cols * rows)
        for by in 0..<rows {
            for bx in 0..<cols {
                var block: [Float] = []
                for y in by * bh..<min((by + 1) * bh, plane.height) {
                    for x in bx * bw..<min((bx + 1) * bw, plane.width) { block.append(plane[x, y]) }
                }
                levels[by * cols + bx] = percentile(block, q)
            }
        }
        levels = (0..<rows * cols).map { i in
            let (bx, by) = (i % cols, i / cols)
            var level = levels[i]
            for ny in max(0, by - 1)...min(rows - 1, by + 1) {
                for nx in max(0, bx - 1)...min(cols - 1, bx + 1) {
                    let other = levels[ny * cols + nx]
                    level = paperIsBright ? max(level, other) : min(level, other)
                }
            }
            return level
        }
        var out = plane
        for y in 0..<plane.height {
            let gy = min(max(Float(y) / Float(bh) - 0.5, 0), Float(rows - 1))
            let (y0, fy) = (Int(gy), gy - Float(Int(gy)))
            let y1 = min(y0 + 1, rows - 1)
            for x in 0..<plane.width {
                let gx = min(max(Float(x) / Float(bw) - 0.5, 0), Float(cols - 1))
                let (x0, fx) = (Int(gx), gx - Float(Int(gx)))
                let x1 = min(x0 + 1, cols - 1)
                let top = levels[y0 * cols + x0] * (1 - fx) + levels[y0 * cols + x1] * fx
                let bottom = levels[y1 * cols + x0] * (1 - fx) + levels[y1 * cols + x1] * fx
                out[x, y] = top * (1 - fy) + bottom * fy
            }
        }
        return out
    }

    // MARK: 5. Stroke width

    /// MNIST's strokes are about 2 pixels wide in the 20-pixel box. A stroke much thinner than that at this
    /// picture's scale (a fine pen on a large canvas) would fade to a faint line when averaged down, so it is
    /// widened with a grey-level dilation (each pixel takes the maximum of its neighbourhood). A stroke much
    /// bolder (a marker, a thick brush on a small canvas) fills the digit's loops and gaps, and networks trained
    /// on MNIST read it as another digit (the committee shipped when this was written read 99.65% of MNIST's test
    /// digits, 97.61% of them thickened by one pixel all round, 82.13% by two), so it is thinned with a grey-level
    /// erosion, to the width of MNIST's bolder digits. Returns the box to crop: the digit's, grown by as much as the
    /// strokes were widened or shrunk by as much as they were thinned.
    static func strokesToMNISTWidth(_ plane: inout Plane, in box: (x: Int, y: Int, width: Int, height: Int),
                                    thinningBold: Bool = true) -> (x: Int, y: Int, width: Int, height: Int) {
        let pixelsPerOutput = Float(max(box.width, box.height)) / Float(self.box)
        let target = 2 * pixelsPerOutput
        // For a stroke, area ≈ length × width and the ink's boundary ≈ 2 × length.
        var (area, boundary) = (0, 0)
        for y in box.y..<box.y + box.height {
            for x in box.x..<box.x + box.width where plane[x, y] >= 0.5 {
                area += 1
                let edge = [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)].contains { nx, ny in
                    nx < 0 || ny < 0 || nx >= plane.width || ny >= plane.height || plane[nx, ny] < 0.5
                }
                if edge { boundary += 1 }
            }
        }
        guard boundary > 0 else { return box }
        let strokeWidth = 2 * Float(area) / Float(boundary)
        if strokeWidth < 0.6 * target {
            let radius = Int(((target - strokeWidth) / 2).rounded())
            guard radius >= 1 else { return box }
            plane = plane.dilated(radius: radius)
            let (x0, y0) = (max(0, box.x - radius), max(0, box.y - radius))
            let (x1, y1) = (min(plane.width, box.x + box.width + radius), min(plane.height, box.y + box.height + radius))
            return (x0, y0, x1 - x0, y1 - y0)
        }
        if thinningBold && strokeWidth > boldStroke * target {
            let radius = min(Int(((strokeWidth - thinnedStroke * target) / 2).rounded()), (min(box.width, box.height) - 1) / 2)
            guard radius >= 1 else { return box }
            plane = plane.eroded(radius: radius)
            return (box.x + radius, box.y + radius, box.width - 2 * radius, box.height - 2 * radius)
        }
        return box
    }

    /// Strokes more than this many times as wide as MNIST's are thinned (1 in 25 of its test digits drawn into
    /// pictures by `scripts/picture-accuracy` are, and read as well as before), to this many times.
    static let boldStroke: Float = 2
    static let thinnedStroke: Float = 1.4

    // MARK: 6. Into the 28×28 field

    /// Scales `digit` so that its longer side spans 20 pixels and places it in the 28×28 field with its
    /// intensity centre of mass on the field's centre, in one area-averaging resample (so the centring is exact
    /// to a fraction of a pixel rather than rounded); then strengthens the ink as MNIST's and converts to bytes.
    static func centredByMass(_ digit: Plane) -> [UInt8] {
        var (mass, mx, my): (Float, Float, Float) = (0, 0, 0)
        for y in 0..<digit.height {
            for x in 0..<digit.width {
                let v = digit[x, y]
                mass += v
                mx += v * (Float(x) + 0.5)
                my += v * (Float(y) + 0.5)
            }
        }
        let scale = Float(box) / Float(max(digit.width, digit.height))
        let (cx, cy) = mass > 0 ? (mx / mass, my / mass) : (Float(digit.width) / 2, Float(digit.height) / 2)
        // MNIST's digits have their mass centred on pixel (14, 14), whose middle is at 14.5 in these coordinates
        // (measured over its test set: 14.49 down, 14.51 across). Field pixel i then covers digit coordinates
        // [(i − 14.5) / scale + c, (i + 1 − 14.5) / scale + c).
        let centre = Float(side) / 2 + 0.5
        let field = digit.resampled(width: side, height: side,
                                    origin: (cx - centre / scale, cy - centre / scale), step: 1 / scale)
        return field.normalisedToFullInk().values.map { UInt8((min(max($0, 0), 1) * 255).rounded()) }
    }

    // MARK: Statistics

    /// The value below which a fraction `q` of `values` (in [0, 1]) lie, to within 1/1024: read off a histogram,
    /// which takes one pass where sorting a photo's pixels would take many.
    static func percentile(_ values: [Float], _ q: Float) -> Float { percentiles(values, [q])[0] }

    /// `percentile` at each fraction of `qs`, off one histogram.
    static func percentiles(_ values: [Float], _ qs: [Float]) -> [Float] {
        guard !values.isEmpty else { return qs.map { _ in 0 } }
        let bins = 1024
        var histogram = [Int](repeating: 0, count: bins)
        for v in values { histogram[min(bins - 1, max(0, Int(v * Float(bins))))] += 1 }
        var below = [Int](repeating: 0, count: bins + 1)
        for bin in 0..<bins { below[bin + 1] = below[bin] + histogram[bin] }
        return qs.map { q in
            let rank = min(values.count - 1, Int(q * Float(values.count)))
            // The first bin whose pixels and those below it number more than `rank`.
            let bin = (0..<bins).first { below[$0 + 1] > rank } ?? bins - 1
            return (Float(bin) + 0.5) / Float(bins)
        }
    }

    /// Otsu's threshold over a 256-bin histogram of values in [0, 1]: the split that maximises the variance
    /// between the two classes.
    static func otsuThreshold(_ values: [Float]) -> Float {
        var histogram = [Int](repeating: 0, count: 256)
        for v in values { histogram[min(255, max(0, Int(v * 255)))] += 1 }
        let total = Float(values.count)
        let sum = histogram.enumerated().reduce(Float(0)) { $0 + Float($1.offset * $1.element) }
        var (weightBelow, sumBelow, best, threshold): (Float, Float, Float, Int) = (0, 0, -1, 128)
        for t in 0..<256 {
            weightBelow += Float(histogram[t])
            let weightAbove = total - weightBelow
            if weightBelow == 0 || weightAbove == 0 { continue }
            sumBelow += Float(t * histogram[t])
            let meanBelow = sumBelow / weightBelow
            let meanAbove = (sum - sumBelow) / weightAbove
            let between = weightBelow * weightAbove * (meanBelow - meanAbove) * (meanBelow - meanAbove)
            if between > best { (best, threshold) = (between, t) }
        }
        return (Float(threshold) + 0.5) / 255
    }
}

/// A single-channel float image, row-major.
struct Plane: Equatable {
    let width: Int
    let height: Int
    var values: [Float]

    subscript(x: Int, y: Int) -> Float {
        get { values[y * width + x] }
        set { values[y * width + x] = newValue }
    }

    func median() -> Float { DigitPreparation.percentile(values, 0.5) }

    func cropped(to box: (x: Int, y: Int, width: Int, height: Int)) -> Plane {
        var out = [Float](repeating: 0, count: box.width * box.height)
        for y in 0..<box.height {
            for x in 0..<box.width { out[y * box.width + x] = self[box.x + x, box.y + y] }
        }
        return Plane(width: box.width, height: box.height, values: out)
    }

    /// Area-averaging resample onto the whole picture: each output pixel is the mean of the input area it covers,
    /// fractional pixels weighted by their covered fraction. Shrinking never aliases; enlarging is a box filter.
    func resampled(width newWidth: Int, height newHeight: Int) -> Plane {
        resampled(width: newWidth, height: newHeight, origin: (0, 0),
                  step: (Float(width) / Float(newWidth), Float(height) / Float(newHeight)))
    }

    /// Area-averaging resample of a window: output pixel (i, j) averages the input rectangle from
    /// origin + (i, j) × step to origin + (i + 1, j + 1) × step; input outside the picture counts as 0.
    func resampled(width newWidth: Int, height newHeight: Int, origin: (x: Float, y: Float), step: Float) -> Plane {
        resampled(width: newWidth, height: newHeight, origin: origin, step: (step, step))
    }

    private func resampled(width newWidth: Int, height newHeight: Int, origin: (x: Float, y: Float),
                           step: (x: Float, y: Float)) -> Plane {
        let horizontal = Self.coverage(of: width, cells: newWidth, from: Double(origin.x), step: Double(step.x))
        let vertical = Self.coverage(of: height, cells: newHeight, from: Double(origin.y), step: Double(step.y))
        var rows = [Float](repeating: 0, count: newWidth * height)
        for y in 0..<height {
            for (x, taps) in horizontal.enumerated() {
                rows[y * newWidth + x] = taps.reduce(0) { $0 + $1.weight * values[y * width + $1.index] }
            }
        }
        var out = [Float](repeating: 0, count: newWidth * newHeight)
        for (y, taps) in vertical.enumerated() {
            for x in 0..<newWidth {
                out[y * newWidth + x] = taps.reduce(0) { $0 + $1.weight * rows[$1.index * newWidth + x] }
            }
        }
        return Plane(width: newWidth, height: newHeight, values: out)
    }

    /// For each of `cells` output cells along an axis of `n` input cells, output cell i spanning input
    /// coordinates [from + i × step, from + (i + 1) × step): the input cells it overlaps and the fraction of the
    /// output cell each one covers (inside the picture, the weights sum to 1).
    private static func coverage(of n: Int, cells: Int, from origin: Double, step: Double) -> [[(index: Int, weight: Float)]] {
        (0..<cells).map { i in
            let (start, end) = (origin + Double(i) * step, origin + Double(i + 1) * step)
            let first = max(0, Int(start.rounded(.down)))
            let last = min(n, Int(end.rounded(.up)))
            guard first < last else { return [] }
            return (first..<last).compactMap { j in
                let overlap = min(end, Double(j + 1)) - max(start, Double(j))
                return overlap > 0 ? (j, Float(overlap / step)) : nil
            }
        }
    }

    /// The picture grown by `margin` pixels on every side, each edge's pixels repeated outwards, so that a
    /// filter sees beyond the picture's edge what lies at it: a shadow's edge that meets the picture's edge goes
    /// on beyond it.
    func extended(by margin: Int) -> Plane {
        let (outWidth, outHeight) = (width + 2 * margin, height + 2 * margin)
        var out = [Float](repeating: 0, count: outWidth * outHeight)
        for y in 0..<outHeight {
            let row = Swift.min(Swift.max(y - margin, 0), height - 1) * width
            for x in 0..<outWidth { out[y * outWidth + x] = values[row + Swift.min(Swift.max(x - margin, 0), width - 1)] }
        }
        return Plane(width: outWidth, height: outHeight, values: out)
    }

    /// Grey-level dilation with a square of side 2 × radius + 1: each pixel takes the largest value within it.
    func dilated(radius: Int) -> Plane {
        columnsFiltered(radius: radius, largest: true).transposed().columnsFiltered(radius: radius, largest: true).transposed()
    }

    /// Grey-level erosion with a square of side 2 × radius + 1: each pixel takes the smallest value within it.
    func eroded(radius: Int) -> Plane {
        columnsFiltered(radius: radius, largest: false).transposed().columnsFiltered(radius: radius, largest: false).transposed()
    }

    /// Grey-level closing, `dilated` then `eroded` (for light ink, `eroded` then `dilated`). The square's
    /// filter is a pass down the columns and one along the rows, in either order, so the two passes along the
    /// rows run side by side while the picture is on its side, and it is turned twice, not four times.
    func closed(radius: Int, inkIsDark: Bool) -> Plane {
        columnsFiltered(radius: radius, largest: inkIsDark).transposed()
            .columnsFiltered(radius: radius, largest: inkIsDark).columnsFiltered(radius: radius, largest: !inkIsDark)
            .transposed().columnsFiltered(radius: radius, largest: !inkIsDark)
    }

    /// Each pixel the largest (or smallest) value within `radius` of it in its column, cut off at the picture's
    /// edge, in three comparisons a pixel whatever the radius (van Herk 1992, Gil and Werman 1993): the column,
    /// padded by `radius` on each side, is split into windows' lengths; a running largest is kept from the top
    /// and from the bottom within each, and a window that straddles two of them is the larger of the first's run
    /// from the bottom and the second's from the top. The columns go side by side, a row at a time. The smallest
    /// is the largest of the values negated.
    private func columnsFiltered(radius: Int, largest: Bool) -> Plane {
        guard radius > 0, !values.isEmpty else { return self }
        let sign: Float = largest ? 1 : -1
        let span = 2 * radius + 1
        let rows = (height + 2 * radius + span - 1) / span * span
        // Runs from the bottom are kept in `line` itself: row y is read before it is overwritten.
        var line = [Float](repeating: -.infinity, count: rows * width)
        var fromTop = line
        var out = [Float](repeating: 0, count: width * height)
        values.withUnsafeBufferPointer { values in
            line.withUnsafeMutableBufferPointer { line in
                fromTop.withUnsafeMutableBufferPointer { fromTop in
                    for i in 0..<height * width { line[radius * width + i] = sign * values[i] }
                    for start in stride(from: 0, to: rows, by: span) {
                        let end = start + span - 1
                        for x in 0..<width { fromTop[start * width + x] = line[start * width + x] }
                        for y in start + 1...end {
                            for x in 0..<width {
                                fromTop[y * width + x] = Swift.max(fromTop[(y - 1) * width + x], line[y * width + x])
                            }
                        }
                        for y in stride(from: end - 1, through: start, by: -1) {
                            for x in 0..<width {
                                line[y * width + x] = Swift.max(line[(y + 1) * width + x], line[y * width + x])
                            }
                        }
                    }
                    // Row y's window is rows y ... y + span - 1 of the padded column.
                    out.withUnsafeMutableBufferPointer { out in
                        for y in 0..<height {
                            for x in 0..<width {
                                out[y * width + x] = sign * Swift.max(line[y * width + x], fromTop[(y + span - 1) * width + x])
                            }
                        }
                    }
                }
            }
        }
        return Plane(width: width, height: height, values: out)
    }

    /// The plane turned on its side: rows become columns.
    func transposed() -> Plane {
        Plane(width: height, height: width, values: values.transposed(width: width, height: height))
    }

    /// Scaled so that the ink is as strong as MNIST's: in MNIST's digits 39% of the inked pixels are at full
    /// ink (≥ 250 of 255), their cores, with anti-aliased rims around them. Averaging a picture down leaves
    /// its strokes paler than that, so the brightest 40% of the ink is brought to full strength, clipping.
    func normalisedToFullInk() -> Plane {
        let peak = values.max() ?? 0
        guard peak > 0 else { return self }
        let ink = values.filter { $0 > 0.1 * peak }.sorted()
        let core = max(ink[Int(Float(ink.count - 1) * 0.6)], 1e-6)
        return Plane(width: width, height: height, values: values.map { min(1, $0 / core) })
    }
}

extension Array {
    /// A row-major `width` × `height` grid as the `height` × `width` grid of its columns.
    func transposed(width: Int, height: Int) -> [Element] {
        var out = self
        withUnsafeBufferPointer { values in
            out.withUnsafeMutableBufferPointer { out in
                for y in 0..<height {
                    for x in 0..<width { out[x * height + y] = values[y * width + x] }
                }
            }
        }
        return out
    }
}
