/// How a network's answers on a labelled set compare with the labels.
public struct Evaluation: Equatable, Sendable {
    /// `confusion[t][p]` counts images of true class t answered as p.
    public let confusion: [[Int]]

    public init(confusion: [[Int]]) {
        self.confusion = confusion
    }

    /// Classifies every image of `data` with `classifier` and tallies the answers.
    public init(_ classifier: some Classifier, data: LabeledImages) {
        self.init(scores: classifier.scores(of: data), labels: data.labels, classCount: classifier.outputCount)
    }

    /// Tallies the answers of `scores`, a run of `classCount` per label, against `labels`.
    public init(scores: [Float], labels: [UInt8], classCount classes: Int) {
        precondition(scores.count == labels.count * classes, "one run of scores per label")
        self.init(answers: answers(scores, classCount: classes), labels: labels, classCount: classes)
    }

    /// Tallies `answers` against `labels`, pairwise; every answer and label is below `classCount`.
    public init(answers: [Int], labels: [UInt8], classCount classes: Int) {
        precondition(answers.count == labels.count, "one answer per label")
        var confusion = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        for (predicted, label) in zip(answers, labels) {
            confusion[Int(label)][predicted] += 1
        }
        self.init(confusion: confusion)
    }

    public var classCount: Int { confusion.count }
    public var total: Int { confusion.joined().reduce(0, +) }
    public var correct: Int { (0..<classCount).reduce(0) { $0 + confusion[$1][$1] } }
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// Of the images answered as class c, the fraction that are c; nil when none was answered c.
    public func precision(_ c: Int) -> Double? {
        let answered = confusion.reduce(0) { $0 + $1[c] }
        return answered == 0 ? nil : Double(confusion[c][c]) / Double(answered)
    }

    /// Of the images of class c, the fraction answered c; nil when there are none.
    public func recall(_ c: Int) -> Double? {
        let actual = confusion[c].reduce(0, +)
        return actual == 0 ? nil : Double(confusion[c][c]) / Double(actual)
    }

    /// Classes the network never answered: the sign of an output neuron stuck in saturation.
    public var classesNeverAnswered: [Int] {
        (0..<classCount).filter { c in confusion.allSatisfy { $0[c] == 0 } }
    }

    /// Off-diagonal cells, most frequent first (ties by true class, then predicted class).
    public func confusions(limit: Int) -> [(actual: Int, predicted: Int, count: Int)] {
        var cells: [(actual: Int, predicted: Int, count: Int)] = []
        for t in 0..<classCount {
            for p in 0..<classCount where p != t && confusion[t][p] > 0 { cells.append((t, p, confusion[t][p])) }
        }
        return Array(cells.sorted { ($1.count, $0.actual, $0.predicted) < ($0.count, $1.actual, $1.predicted) }.prefix(limit))
    }
}
