/// A picture as ink and paper: steps 1 to 4 of `DigitPreparation`, shared by a lone digit and by the digits of a
/// number. The ink coverage is stretched so that strong ink is 1, thresholded by Otsu's method, a form's boxes
/// (`FormBoxes`) and ruled lines (`RuledLines`) are erased, and the ink's connected parts (8-connected) are
/// labelled; choosing which parts make a digit is left to the caller. A map covers the whole picture, or a region
/// of it looked at more closely (a number small in a large photo).
struct InkMap {
    /// A connected part of the ink: its area and box in this map's pixels, and its strongest ink.
    struct Part {
        var area = 0
        var peak: Float = 0
        var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1
        var width: Int { maxX - minX + 1 }
        var height: Int { maxY - minY + 1 }
    }

    /// Ink coverage in [0, 1], bright on dark as in MNIST, at the working size.
    var plane: Plane
    /// Whether the picture was dark ink on light paper.
    let inverted: Bool
    /// Ink is the coverage at or above this.
    let threshold: Float
    /// Per pixel, the index of its part in `parts`, or -1 below the threshold.
    let label: [Int32]
    let parts: [Part]
    /// Per part, whether it is the picture's frame (see `frameParts`).
    let frame: [Bool]
    /// The part of the picture this map covers, in the picture's pixels.
    let region: PixelRegion
    /// The picture's pixels per pixel of this map (more than 1 where the picture or region was shrunk).
    let imagePixelsPerPixel: Float
    /// The file's pixels per pixel of this map (the picture was shrunk, or a JPEG decoded at reduced size).
    let filePixelsPerPixel: Float
    /// Where this map's pixel (0, 0) is in the file's pixels.
    let fileOrigin: (x: Int, y: Int)

    /// At most this fraction of a picture is ink.
    static let inkLimit: Float = 0.4
    /// Strong ink is the level that this many pixels reach, or a thousandth of the picture where that is fewer:
    /// the ink of a small number in a large photo may be a few dozen pixels once the photo is shrunk.
    static let strongInkPixels = 20

    /// How many pixels of a picture of `pixels` pixels reach strong ink (`strongInkPixels`).
    static func strongInkCount(_ pixels: Int) -> Int { min(strongInkPixels, pixels / 1000) }

    /// Pictures smaller than this on their longer side hold a digit or two, not a page: no boxes (`FormBoxes`), no
    /// ruled lines (`RuledLines`), no desk (`Ground`), no shadow's edge (`DigitPreparation.closedOver`); and the pieces the
    /// networks are trained on, cut from pairs of MNIST digits, are read as they were.
    static let smallestPage = 120

    /// The ink of `region` of `image` (all of it by default), shrunk so that its longer side is at most `side`.
    init(_ image: GrayImage, region: PixelRegion? = nil, side: Int = DigitPreparation.workingSide) throws(PreparationError) {
        let region = region ?? PixelRegion(image)
        var plane = DigitPreparation.composite(image.cropped(to: region))
        let scale = min(1, Float(side) / Float(max(plane.width, plane.height)))
        if scale < 1 {
            plane = plane.resampled(width: max(1, Int((Float(plane.width) * scale).rounded())),
                                    height: max(1, Int((Float(plane.height) * scale).rounded())))
        }
        if let covered = Ground.covered(plane) { plane = covered }
        inverted = DigitPreparation.inkIsDark(plane)
        // Dark ink so bold that it is most of its tight crop: to be read with its paper round it (`PaperAround`).
        if !inverted && PaperAround.isDarkInkCroppedTight(plane) { throw .croppedToInk }
        plane = DigitPreparation.separatingInk(plane, inkIsDark: inverted)
        self.region = region
        imagePixelsPerPixel = 1 / scale
        filePixelsPerPixel = Float(image.reduction) / scale
        fileOrigin = (region.x * image.reduction, region.y * image.reduction)

        // Strong ink: the level of the brightest pixels, few enough that a thin line or a small number has them.
        let strongPixels = Self.strongInkCount(plane.values.count)
        let strong = DigitPreparation.percentile(plane.values, 1 - Float(strongPixels) / Float(plane.values.count))
        guard strong >= DigitPreparation.minimumContrast else { throw .noDigit }
        plane.values = plane.values.map { min(1, $0 / strong) }
        let threshold = max(DigitPreparation.otsuThreshold(plane.values), 0.2)
        self.threshold = threshold
        // Ink is a minority of a picture of digits; where most of it is "ink", it is texture or noise, or a digit
        // cropped tight, whose paper is whole (`PaperAround`). (Over the measured picture sets, ink covers at most
        // 24% of a picture; uniform noise, about half.)
        guard Float(plane.values.count { $0 >= threshold }) <= Self.inkLimit * Float(plane.values.count) else {
            throw PaperAround.isWhole(plane, threshold: threshold) ? .croppedToInk : .notInkOnPaper
        }
        var (label, parts) = Self.labelled(plane, threshold: threshold)
        if FormBoxes.erase(from: &plane, label: label, parts: parts) {
            (label, parts) = Self.labelled(plane, threshold: threshold)
        }
        if RuledLines.erase(from: &plane, label: label, parts: parts, relabel: { Self.labelled($0, threshold: threshold) }) {
            (label, parts) = Self.labelled(plane, threshold: threshold)
        }
        (self.label, self.parts) = (label, parts)
        if PaperAround.isCroppedTight(label, width: plane.width, height: plane.height) { throw .croppedToInk }
        frame = Self.frameParts(label, parts, width: plane.width, height: plane.height)
        guard let largest = parts.map(\.area).max(), largest >= 2 else { throw .noDigit }
        self.plane = plane
    }

    /// The parts of a lone digit: those substantial next to the largest one (an area at least a twelfth of it);
    /// specks, noise and smudges far smaller than the strokes are left out, and so is the frame (`frame`)
    /// where there is other ink.
    func substantialParts() -> [Bool] {
        let (ink, largest) = (inkParts(), largestInk)
        return parts.indices.map { ink[$0] && parts[$0].area * 12 >= largest }
    }

    /// The parts that are ink on the paper: all but the frame (`frame`), unless the frame is all there is.
    func inkParts() -> [Bool] {
        let inside = frame.map { !$0 }
        return inside.contains(true) ? inside : frame.map { _ in true }
    }

    /// The largest area of the `inkParts`.
    var largestInk: Int {
        zip(parts, inkParts()).filter(\.1).map(\.0.area).max() ?? 0
    }

    /// A part is the picture's frame, not ink on the paper, when it covers at least `frameArea` of the picture,
    /// spans at least `frameSpan` of its width or height, and is solid (at least `frameSolidity` of its pixels
    /// inside it, with ink all round): a desk, the dark beyond the paper's edge or a shadow, which dividing out
    /// the paper's brightness block by block leaves as "ink" beside the paper. Strokes are thin.
    static let frameArea: Float = 0.05
    static let frameSpan: Float = 0.9
    static let frameSolidity: Float = 0.8

    private static func frameParts(_ label: [Int32], _ parts: [Part], width: Int, height: Int) -> [Bool] {
        let candidate = parts.map { part in
            Float(part.area) >= frameArea * Float(width * height)
                && (Float(part.width) >= frameSpan * Float(width) || Float(part.height) >= frameSpan * Float(height))
        }
        guard candidate.contains(true) else { return candidate }
        var inside = [Int](repeating: 0, count: parts.count)
        for y in 1..<max(1, height - 1) {
            for x in 1..<max(1, width - 1) {
                let id = label[y * width + x]
                guard id >= 0, candidate[Int(id)] else { continue }
                let all = (-1...1).allSatisfy { dy in (-1...1).allSatisfy { dx in label[(y + dy) * width + x + dx] == id } }
                if all { inside[Int(id)] += 1 }
            }
        }
        return parts.indices.map { candidate[$0] && Float(inside[$0]) >= frameSolidity * Float(parts[$0].area) }
    }

    /// The 8-connected parts of the pixels at or above `threshold`.
    private static func labelled(_ plane: Plane, threshold: Float) -> ([Int32], [Part]) {
        let (width, height) = (plane.width, plane.height)
        var label = [Int32](repeating: -1, count: width * height)
        var parts: [Part] = []
        var stack: [Int] = []
        for start in 0..<width * height where plane.values[start] >= threshold && label[start] < 0 {
            let id = Int32(parts.count)
            var part = Part()
            label[start] = id
            stack.append(start)
            while let p = stack.popLast() {
                let (px, py) = (p % width, p / width)
                part.area += 1
                part.peak = max(part.peak, plane.values[p])
                (part.minX, part.maxX) = (min(part.minX, px), max(part.maxX, px))
                (part.minY, part.maxY) = (min(part.minY, py), max(part.maxY, py))
                for dy in -1...1 {
                    for dx in -1...1 {
                        let (x, y) = (px + dx, py + dy)
                        guard x >= 0, x < width, y >= 0, y < height else { continue }
                        let q = y * width + x
                        if label[q] < 0 && plane.values[q] >= threshold {
                            label[q] = id
                            stack.append(q)
                        }
                    }
                }
            }
            parts.append(part)
        }
        return (label, parts)
    }
}
