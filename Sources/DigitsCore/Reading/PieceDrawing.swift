// What the pieces made for training (`NotDigits`, `DigitsInContext`) are drawn with: MNIST digits put on paper
// side by side, and the ink between some columns prepared as the number reader prepares what it cuts out.

enum PieceDrawing {
    /// A digit's ink box in its 28 × 28 image: columns and rows with any ink.
    typealias Box = (x0: Int, y0: Int, x1: Int, y1: Int)

    static let side = DigitPreparation.side
    /// Paper on every side of the digits.
    static let margin = 6

    static func inkBox(_ image: ArraySlice<UInt8>) -> Box? {
        let first = image.startIndex
        var (x0, y0, x1, y1) = (side, side, -1, -1)
        for y in 0..<side {
            for x in 0..<side where image[first + y * side + x] > 0 {
                (x0, y0, x1, y1) = (min(x0, x), min(y0, y), max(x1, x), max(y1, y))
            }
        }
        return x1 < 0 ? nil : (x0, y0, x1, y1)
    }

    /// Digits drawn dark on white paper, each at (x, y) of the canvas, ink taking the darker value.
    static func paper(_ digits: LabeledImages, _ placed: [(index: Int, x: Int, y: Int)], width: Int, height: Int)
        -> GrayImage {
        var gray = [UInt8](repeating: 255, count: width * height)
        for p in placed {
            let image = digits.image(p.index)
            for y in 0..<side {
                for x in 0..<side {
                    let (cx, cy) = (p.x + x, p.y + y)
                    guard (0..<width).contains(cx), (0..<height).contains(cy) else { continue }
                    gray[cy * width + cx] = min(gray[cy * width + cx], 255 - image[image.startIndex + y * side + x])
                }
            }
        }
        return GrayImage(width: width, height: height, gray: gray)
    }

    /// The ink of `image` between columns (all of them for nil), every part of it, prepared as the reader
    /// prepares a piece, but keeping bold strokes as they are: the pieces are MNIST's own digits at MNIST's scale,
    /// taught beside those digits as they are, bold ones too (thinning is for a marker's strokes a person hands
    /// the reader; the shipped networks were taught pieces made so).
    static func prepared(_ image: GrayImage, columns: Range<Int>?) -> PreparedDigit? {
        guard let map = try? InkMap(image) else { return nil }
        let range = columns ?? 0..<map.plane.width
        return DigitPreparation.digit(in: map, parts: Array(repeating: true, count: map.parts.count),
                                      columns: DigitPreparation.Columns(range, rows: map.plane.height), thinningBold: false)
    }

    /// The share of a digit's ink in its columns `range` (of its own 28).
    static func share(of image: ArraySlice<UInt8>, in range: Range<Int>) -> Float {
        var (inside, all) = (0, 0)
        for y in 0..<side {
            for x in 0..<side {
                let value = Int(image[image.startIndex + y * side + x])
                all += value
                if range.contains(x) { inside += value }
            }
        }
        return all == 0 ? 0 : Float(inside) / Float(all)
    }

    /// Two digits side by side: the ink box of `b` starts `gap` columns after that of `a` ends (negative: they
    /// overlap), `rise` rows lower (negative: higher).
    struct Pair {
        let boxA: Box, boxB: Box
        /// Where each digit's 28 × 28 image sits on the paper.
        let xA: Int, xB: Int
        let image: GrayImage

        init?(_ digits: LabeledImages, _ a: Int, _ b: Int, gap: Int, rise: Int) {
            guard let boxA = inkBox(digits.image(a)), let boxB = inkBox(digits.image(b)) else { return nil }
            (self.boxA, self.boxB) = (boxA, boxB)
            xA = margin - boxA.x0
            xB = xA + boxA.x1 + 1 + gap - boxB.x0
            let width = xB + boxB.x1 + 1 + margin
            image = paper(digits, [(a, xA, margin), (b, xB, margin + rise)], width: width, height: side + 2 * margin)
        }

        /// The paper's columns of each digit's ink.
        var columnsA: Range<Int> { xA + boxA.x0..<xA + boxA.x1 + 1 }
        var columnsB: Range<Int> { xB + boxB.x0..<xB + boxB.x1 + 1 }
    }
}
