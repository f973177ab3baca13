/// A picture cropped tight round its digit, the strokes running into its edges, has too little paper for the
/// share of ink (`InkMap.inkLimit`) to tell it from noise, and its strokes, meeting all four edges, look like the
/// dark beyond a page (`InkMap.frameParts`). Its paper is a few wide regions, though, between the strokes and
/// round the edges, where the "paper" of noise is crumbs between specks (`isWhole`); and strokes meet the edges
/// in places, where the dark beyond a page runs along them (`isCroppedTight`). Such a picture is read again with
/// a margin of its own paper round it, as if it had been cut out less tightly, and what was found in it is
/// moved back to the picture's own pixels. Where dark ink is most of the picture, its middle grey level is ink,
/// and the picture is known as dark ink by its edges (`isDarkInkCroppedTight`).
enum PaperAround {
    /// The paper is whole when at least this share of it lies in regions (4-connected) of at least
    /// `regionShare` of the picture each, and of `regionPixels` (in a picture of a few pixels, a pixel of paper
    /// is a crumb still).
    static let wholeShare: Float = 0.8
    static let regionShare: Float = 0.02
    static let regionPixels = 4
    /// The margin added on every side, as a share of the picture's longer side: a digit whose ink covered half of
    /// a square picture then covers under a quarter.
    static let marginShare = 0.25
    /// Ink this close to a side, as a share of the picture's shorter side, meets it.
    static let edgeBand: Float = 0.1
    /// Dark ink cropped tight runs into the edges: at least this share of the outermost pixels is dark. A dark
    /// board photographed with a strip of light wall all round it has none.
    static let darkEdgeShare: Float = 0.05

    /// Whether the pixels of `plane` below `threshold`, the paper, are whole (see `wholeShare`), not crumbs.
    static func isWhole(_ plane: Plane, threshold: Float) -> Bool {
        let (width, height) = (plane.width, plane.height)
        var seen = plane.values.map { $0 >= threshold }
        let paper = seen.count { !$0 }
        let smallest = max(regionPixels, Int((regionShare * Float(width * height)).rounded(.up)))
        var inWholeRegions = 0
        var stack: [Int] = []
        for start in seen.indices where !seen[start] {
            seen[start] = true
            stack.append(start)
            var area = 0
            while let p = stack.popLast() {
                area += 1
                let (x, y) = (p % width, p / width)
                for (q, inside) in [(p - 1, x > 0), (p + 1, x < width - 1), (p - width, y > 0), (p + width, y < height - 1)]
                where inside && !seen[q] {
                    seen[q] = true
                    stack.append(q)
                }
            }
            if area >= smallest { inWholeRegions += area }
        }
        return paper > 0 && Float(inWholeRegions) >= wholeShare * Float(paper)
    }

    /// Whether the ink (`label`, -1 for paper) meets all four sides of the picture, yet covers less than half of
    /// its outermost pixels: strokes running into the edges, not the dark beyond a page (`InkMap.frameParts`).
    static func isCroppedTight(_ label: [Int32], width: Int, height: Int) -> Bool {
        guard width > 2, height > 2 else { return false }
        func ink(_ x: Int, _ y: Int) -> Int { label[y * width + x] >= 0 ? 1 : 0 }
        let top = (0..<width).reduce(0) { $0 + ink($1, 0) }, bottom = (0..<width).reduce(0) { $0 + ink($1, height - 1) }
        let left = (1..<height - 1).reduce(0) { $0 + ink(0, $1) }, right = (1..<height - 1).reduce(0) { $0 + ink(width - 1, $1) }
        let leftCorners = ink(0, 0) + ink(0, height - 1), rightCorners = ink(width - 1, 0) + ink(width - 1, height - 1)
        let sides = [top, bottom, left + leftCorners, right + rightCorners]
        return !sides.contains(0) && 2 * (top + bottom + left + right) < 2 * (width + height - 2)
    }

    /// Whether `plane` (luminance, before the ink is separated) is dark ink cropped tight: its dark pixels (below
    /// half) come within `edgeBand` of all four sides (the crop may leave the strokes' faint rim) and cover some
    /// (`darkEdgeShare`) but less than half of its outermost pixels. A digit so bold that its ink is most of its
    /// tight crop has a dark middle grey level, which would take the ink for the ground and the paper between the
    /// strokes for light ink; with its paper round it, it is a minority. Only dark ink is told apart this way:
    /// light ink on a dark ground cropped as tight looks like a page whose corners the lens darkened.
    static func isDarkInkCroppedTight(_ plane: Plane) -> Bool {
        let (width, height) = (plane.width, plane.height)
        guard width > 2, height > 2 else { return false }
        let band = max(1, Int((edgeBand * Float(min(width, height))).rounded()))
        var (left, right, top, bottom) = (false, false, false, false)
        for y in 0..<height {
            for x in 0..<width where plane[x, y] < 0.5 {
                left = left || x < band
                right = right || x >= width - band
                top = top || y < band
                bottom = bottom || y >= height - band
            }
        }
        let outermost = (0..<width).flatMap { [plane[$0, 0], plane[$0, height - 1]] }
            + (1..<height - 1).flatMap { [plane[0, $0], plane[width - 1, $0]] }
        let dark = Float(outermost.count { $0 < 0.5 }) / Float(outermost.count)
        return left && right && top && bottom && dark >= darkEdgeShare && dark < 0.5
    }

    /// `read(image)`; where that finds the ink cropped tight (`PreparationError.croppedToInk`), `read` of the
    /// picture with a margin of its paper round it, and `moved` by how far that put the picture's first pixel,
    /// in the file's pixels.
    static func reading<Found>(_ image: GrayImage, _ read: (GrayImage) throws(PreparationError) -> Found,
                               moved: (Found, _ dx: Int, _ dy: Int) -> Found) throws(PreparationError) -> Found {
        do {
            return try read(image)
        } catch .croppedToInk {
            // At most `DigitPreparation.decodingSide` across, as a JPEG is decoded: the margin adds a quarter to
            // the picture's side, and five quarters of a picture of 50 million pixels would be 78 million.
            let factor = (max(image.width, image.height) + DigitPreparation.decodingSide - 1) / DigitPreparation.decodingSide
            let small = factor > 1 ? image.shrunk(by: factor) : image
            let margin = max(2, Int((marginShare * Double(max(small.width, small.height))).rounded()))
            let found = try read(small.withMargin(margin))
            return moved(found, -margin * small.reduction, -margin * small.reduction)
        }
    }
}
