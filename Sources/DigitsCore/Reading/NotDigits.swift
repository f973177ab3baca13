// Pieces of handwriting that are not one digit, as the number reader meets them while it weighs where to cut a
// group of ink (`NumberReading`, step 3): two digits read as one, a slice of a digit, a digit with a slice of its
// neighbour. A network trained only on lone digits reads these as surely as digits (two overlapping digits as an
// 8, a slice of a 0 as a 1, both at 0.99), so the reader's confidence cannot tell a good cut from a bad one.
// Trained to answer them with a uniform score, ten times 0.1 (outlier exposure: Hendrycks, Mazeika and Dietterich,
// "Deep anomaly detection with outlier exposure", 2019), it is unsure of them, and the reader's choice by
// recognition becomes one.
//
// Each piece is made from MNIST digits drawn on paper and goes through the reader's own preparation (`InkMap`,
// `DigitPreparation.digit`): what the network learns from is what the reader would hand it.

/// Pieces that are not one digit, made from the digits of a training set.
public enum NotDigits {
    /// The label of a piece in a training set: one past the last class, which the trainer reads as "none of them"
    /// (a uniform target).
    public static let label = UInt8(MNIST.classCount)

    /// `count` pieces made from the images of `digits`, drawn with `seed`, in turn: two digits that touch or
    /// overlap, read whole; a slice of one wide digit, cut straight down at 30–70% of its width; two digits cut
    /// inside the second (or the first), so that one is read with part of its neighbour. A cut keeps 15–60% of the
    /// ink of the digit it cuts.
    public static func pieces(from digits: LabeledImages, count: Int, seed: UInt64) -> LabeledImages {
        precondition(digits.rows == DigitPreparation.side && digits.columns == DigitPreparation.side && digits.count > 0)
        var generator = SplitMix64(seed: seed)
        var pixels: [UInt8] = []
        pixels.reserveCapacity(count * digits.pixelsPerImage)
        var made = 0
        while made < count {
            let piece: PreparedDigit?
            switch made % 3 {
            case 0: piece = pair(digits, &generator, cutAt: nil)
            case 1: piece = slice(digits, &generator)
            default: piece = pair(digits, &generator, cutAt: 0.25 + 0.35 * Float(generator.nextUnit()))
            }
            guard let piece else { continue }
            pixels += piece.pixels
            made += 1
        }
        return LabeledImages(rows: digits.rows, columns: digits.columns, pixels: pixels[...],
                             labels: Array(repeating: label, count: count))
    }

    /// A cut keeps between these shares of the ink of the digit it cuts: less is a speck the reader would not
    /// count, more still looks like the digit (most of a 7 is a 7).
    private static let keptShare: ClosedRange<Float> = 0.15...0.6

    /// Two random digits, their ink boxes from 3 pixels overlapping to 1 apart, the second up to 2 pixels higher
    /// or lower: read whole, or, with `cutAt`, cut at that fraction inside one of them (the second or the first,
    /// at random) and read on the side with the other whole digit.
    private static func pair(_ digits: LabeledImages, _ generator: inout SplitMix64, cutAt: Float?) -> PreparedDigit? {
        let a = generator.nextIndex(below: digits.count), b = generator.nextIndex(below: digits.count)
        let gap = generator.nextIndex(below: 5) - 3, rise = generator.nextIndex(below: 5) - 2
        let leftSide = generator.nextIndex(below: 2) == 0
        guard let pair = PieceDrawing.Pair(digits, a, b, gap: gap, rise: rise) else { return nil }
        guard let cutAt else { return PieceDrawing.prepared(pair.image, columns: nil) }
        // Keep the first digit and the left part of the second, or the second and the right part of the first.
        if leftSide {
            let cut = pair.columnsB.lowerBound + Int(cutAt * Float(pair.columnsB.count))
            guard keptShare.contains(PieceDrawing.share(of: digits.image(b), in: 0..<cut - pair.xB)) else { return nil }
            return PieceDrawing.prepared(pair.image, columns: 0..<cut)
        }
        let cut = pair.columnsA.upperBound - Int(cutAt * Float(pair.columnsA.count))
        guard keptShare.contains(PieceDrawing.share(of: digits.image(a), in: cut - pair.xA..<28)) else { return nil }
        return PieceDrawing.prepared(pair.image, columns: cut..<pair.image.width)
    }

    /// A slice of a random digit at least half as wide as tall (a slice of a narrow one, a 1, is still a 1): its
    /// left or right part, cut straight down at 30–70% of its width.
    private static func slice(_ digits: LabeledImages, _ generator: inout SplitMix64) -> PreparedDigit? {
        let index = generator.nextIndex(below: digits.count)
        let fraction = 0.3 + 0.4 * Float(generator.nextUnit())
        let leftSide = generator.nextIndex(below: 2) == 0
        guard let box = PieceDrawing.inkBox(digits.image(index)), 2 * (box.x1 - box.x0 + 1) >= box.y1 - box.y0 + 1
        else { return nil }
        let margin = PieceDrawing.margin
        let image = PieceDrawing.paper(digits, [(index, margin, margin)], width: 28 + 2 * margin, height: 28 + 2 * margin)
        let cut = box.x0 + Int(fraction * Float(box.x1 - box.x0 + 1))
        let kept = leftSide ? 0..<cut : cut..<28
        guard keptShare.contains(PieceDrawing.share(of: digits.image(index), in: kept)) else { return nil }
        return PieceDrawing.prepared(image, columns: leftSide ? 0..<margin + cut : margin + cut..<28 + 2 * margin)
    }
}
