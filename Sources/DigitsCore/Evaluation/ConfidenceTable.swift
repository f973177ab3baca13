/// How accuracy rises as unsure answers are set aside: for each threshold, the answers whose confidence (the best
/// score's share of all ten, `confidence(_:)`) reaches it, and how many of them are right. Whoever hands unsure
/// readings to a person (a form's digits, a meter) picks the threshold from this table: how many readings are kept
/// and how many of the network's mistakes are kept with them.
public struct ConfidenceTable: Equatable, Sendable {
    public struct Row: Equatable, Sendable, Encodable {
        /// The least confidence of an answer kept.
        public let threshold: Float
        /// Answers at least that confident.
        public let answered: Int
        /// Of those, the ones that match their label.
        public let correct: Int
    }

    /// The thresholds `digits evaluate` reports.
    public static let thresholds: [Float] = [0.5, 0.9, 0.99, 0.999]

    /// Every image, whatever its confidence.
    public let total: Int
    public let rows: [Row]

    /// Tallies `scores`, a run of `classCount` per label, against `labels` at each of `thresholds`.
    public init(scores: [Float], labels: [UInt8], classCount classes: Int, thresholds: [Float] = Self.thresholds) {
        precondition(classes > 0 && scores.count == labels.count * classes, "one run of scores per label")
        let picked = answers(scores, classCount: classes)
        var answered = [Int](repeating: 0, count: thresholds.count)
        var correct = answered
        for (i, label) in labels.enumerated() {
            let sureness = confidence(scores[i * classes..<(i + 1) * classes])
            for (t, threshold) in thresholds.enumerated() where sureness >= threshold {
                answered[t] += 1
                if picked[i] == Int(label) { correct[t] += 1 }
            }
        }
        total = labels.count
        rows = thresholds.indices.map { Row(threshold: thresholds[$0], answered: answered[$0], correct: correct[$0]) }
    }
}

/// The best score's share of all of them, negative ones counted as 0: softmax outputs already sum to 1, sigmoid
/// ones need not. 0 when no score is above 0.
public func confidence(_ scores: some Collection<Float>) -> Float {
    let total = scores.reduce(0) { $0 + max($1, 0) }
    return total > 0 ? max(scores.max() ?? 0, 0) / total : 0
}
