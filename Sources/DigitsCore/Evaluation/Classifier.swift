import Foundation

/// What reads a digit: `inputCount` values in (a 28 × 28 picture's pixels, 0 to 1), `outputCount` scores out, the
/// largest the answer. A dense network, a network of layer kinds, or a committee of them.
public protocol Classifier: Sendable {
    var inputCount: Int { get }
    var outputCount: Int { get }
    /// A function that gives the scores of one input of `inputCount` values at a time, keeping its working memory
    /// from one input to the next: for a reader that asks about many pieces of one picture, on one thread. (Setting
    /// a dense network up for every input, its weights laid out anew, took a fifth of the time of reading numbers.)
    func scorer() -> ([Float]) -> [Float]
    /// The scores of every image of `data`, image after image (`data.count` × `outputCount` values).
    func scores(of data: LabeledImages) -> [Float]
}

extension Classifier {
    /// The scores of one input of `inputCount` values, from a scorer made for it alone.
    public func scores(_ input: [Float]) -> [Float] {
        scorer()(input)
    }

    /// The class picked for one input: the index of its largest score.
    public func classify(_ input: [Float]) -> Int {
        argmax(scores(input))
    }

    /// The class picked for each image of `data`: the index of its largest score.
    public func classify(_ data: LabeledImages) -> [Int] {
        answers(scores(of: data), classCount: outputCount)
    }

    /// How many images of `data` are classified as their label.
    public func correctCount(on data: LabeledImages) -> Int {
        zip(classify(data), data.labels).count { $0 == Int($1) }
    }

    /// Checks that `data`'s images fit the input.
    func checkFits(_ data: LabeledImages) {
        precondition(data.pixelsPerImage == inputCount, "images have \(data.pixelsPerImage) pixels, the network takes \(inputCount)")
    }
}

/// The index of the largest of each run of `classCount` scores.
public func answers(_ scores: [Float], classCount: Int) -> [Int] {
    scores.withUnsafeBufferPointer { scores in
        (0..<scores.count / classCount).map { argmax(UnsafeBufferPointer(rebasing: scores[$0 * classCount..<($0 + 1) * classCount])) }
    }
}

/// `data.count` rows of `width` scores, the first half of the rows made by `fill` on this thread and the second
/// on another core (each half writes only its own rows).
func scoresOnTwoCores(count: Int, width: Int, _ fill: @escaping @Sendable (Range<Int>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
    [Float](unsafeUninitializedCapacity: count * width) { buffer, initialized in
        let base = UncheckedSendable(buffer.baseAddress!)
        let half = count / 2
        let second = Background { fill(half..<count, base.value) }
        fill(0..<half, base.value)
        second.result()
        initialized = count * width
    }
}

struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

extension Network: Classifier {
    public func scorer() -> ([Float]) -> [Float] { feedForwardFunction() }

    public func scores(of data: LabeledImages) -> [Float] {
        checkFits(data)
        let inputs = SparseInputs(data)
        let width = outputCount
        return scoresOnTwoCores(count: inputs.count, width: width) { [self] range, scores in
            let workspace = Workspace(self, batchCapacity: 1)
            for i in range {
                workspace.setInput(inputs[i], sample: 0)
                let output = workspace.forward(sample: 0)
                (scores + i * width).update(from: output.baseAddress!, count: width)
            }
        }
    }
}

extension LayerStack: Classifier {
    public func scorer() -> ([Float]) -> [Float] { outputsFunction() }

    public func scores(of data: LabeledImages) -> [Float] {
        checkFits(data)
        let inputs = SparseInputs(data)
        let width = outputCount
        return scoresOnTwoCores(count: inputs.count, width: width) { [self] range, scores in
            self.scores(inputs, range, into: scores)
        }
    }
}
