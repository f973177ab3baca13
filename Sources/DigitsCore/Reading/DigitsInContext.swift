// Digits as the number reader cuts them out of a row whose digits touch or overlap (`NumberReading`, step 3): no
// column between two such digits is free of the other's ink, so the piece the reader hands the network holds the
// end of a neighbour's stroke at its edge, and misses a little of its own. A network trained on lone digits takes
// that stroke for part of the digit (a 4 with the top of the next 7 reads as a 9). Trained on such pieces under
// their own digit's label, it learns to look past them.
//
// Like `NotDigits`, each piece is made from MNIST digits drawn on paper and goes through the reader's own
// preparation: the pair is cut straight down where the two digits meet.

/// Digits cut out of a touching or overlapping pair, labelled as the digit they keep.
public enum DigitsInContext {
    /// `count` pieces made from the images of `digits`, drawn with `seed`: two random digits whose ink boxes
    /// touch or overlap by up to 4 pixels, the second up to 2 pixels higher or lower, cut at a column where they
    /// meet; the piece on either side (at random) is kept when it holds at least `ownShare` of its digit's ink and
    /// at most `neighbourShare` of its neighbour's, and is labelled as its digit.
    public static func pieces(from digits: LabeledImages, count: Int, seed: UInt64) -> LabeledImages {
        precondition(digits.rows == DigitPreparation.side && digits.columns == DigitPreparation.side && digits.count > 0)
        var generator = SplitMix64(seed: seed)
        var pixels: [UInt8] = []
        pixels.reserveCapacity(count * digits.pixelsPerImage)
        var labels: [UInt8] = []
        labels.reserveCapacity(count)
        while labels.count < count {
            guard let (piece, label) = piece(digits, &generator) else { continue }
            pixels += piece.pixels
            labels.append(label)
        }
        return LabeledImages(rows: digits.rows, columns: digits.columns, pixels: pixels[...], labels: labels)
    }

    /// A cut keeps at least this share of the ink of the digit it is labelled as (less is not that digit any more)…
    static let ownShare: Float = 0.85
    /// …and at most this share of its neighbour's (more is `NotDigits`' digit with a slice of its neighbour).
    static let neighbourShare: Float = 0.15

    private static func piece(_ digits: LabeledImages, _ generator: inout SplitMix64) -> (PreparedDigit, UInt8)? {
        let a = generator.nextIndex(below: digits.count), b = generator.nextIndex(below: digits.count)
        let gap = generator.nextIndex(below: 5) - 4, rise = generator.nextIndex(below: 5) - 2
        let keepLeft = generator.nextIndex(below: 2) == 0
        let position = Float(generator.nextUnit())
        guard let pair = PieceDrawing.Pair(digits, a, b, gap: gap, rise: rise) else { return nil }
        // Where they meet: from a column before the second digit's ink starts to one after the first's ends.
        let low = min(pair.columnsB.lowerBound, pair.columnsA.upperBound) - 1
        let high = max(pair.columnsB.lowerBound, pair.columnsA.upperBound) + 1
        let cut = low + Int(position * Float(high - low + 1))
        // The kept columns of a digit's own 28, from `x` of the paper (where its image starts) on.
        func kept(from x: Int) -> Range<Int> {
            let at = min(max(cut - x, 0), 28)
            return keepLeft ? 0..<at : at..<28
        }
        let (own, neighbour) = keepLeft ? (a, b) : (b, a)
        let (ownX, neighbourX) = keepLeft ? (pair.xA, pair.xB) : (pair.xB, pair.xA)
        guard PieceDrawing.share(of: digits.image(own), in: kept(from: ownX)) >= ownShare,
              PieceDrawing.share(of: digits.image(neighbour), in: kept(from: neighbourX)) <= neighbourShare,
              let piece = PieceDrawing.prepared(pair.image, columns: keepLeft ? 0..<cut : cut..<pair.image.width)
        else { return nil }
        return (piece, digits.labels[own])
    }
}
