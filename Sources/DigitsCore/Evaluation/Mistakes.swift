/// A labelled image that a network (or a committee) reads as another digit, and how sure it was.
public struct Mistake: Equatable, Sendable, Encodable {
    /// The image's place in its data set, counted from 0.
    public let index: Int
    public let label: Int
    public let answer: Int
    /// The best score's share of all ten (`confidence(_:)`).
    public let confidence: Float

    public init(index: Int, label: Int, answer: Int, confidence: Float) {
        (self.index, self.label, self.answer, self.confidence) = (index, label, answer, confidence)
    }

    /// Every image of `labels` whose answer in `scores` (a run of `classCount` per label) is not its label, the
    /// surest first (a sure mistake is often a digit a person would read as the network does), then by index.
    public static func all(scores: [Float], labels: [UInt8], classCount classes: Int) -> [Mistake] {
        precondition(classes > 0 && scores.count == labels.count * classes, "one run of scores per label")
        let picked = answers(scores, classCount: classes)
        return labels.indices.filter { picked[$0] != Int(labels[$0]) }
            .map { i in
                Mistake(index: i, label: Int(labels[i]), answer: picked[i],
                        confidence: DigitsCore.confidence(scores[i * classes..<(i + 1) * classes]))
            }
            .sorted { ($1.confidence, $0.index) < ($0.confidence, $1.index) }
    }
}
