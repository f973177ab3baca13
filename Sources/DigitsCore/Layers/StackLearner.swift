import Foundation

extension LayerStack: Trainable {
    typealias Learner = StackLearner

    public var inputCount: Int { inputShape.count }
    public var outputCount: Int { outputShape.count }

    /// Inputs are read this many at a time, each run one pass through the layers.
    static let readingRun = 64

    func correctCount(on inputs: SparseInputs, labels: [UInt8], oneCore: Bool = false) -> Int {
        precondition(inputs.width == inputCount && labels.count == inputs.count)
        if oneCore { return correctCount(on: inputs, labels: labels, 0..<inputs.count) }
        let half = inputs.count / 2
        let second = Background { [self] in correctCount(on: inputs, labels: labels, half..<inputs.count) }
        return correctCount(on: inputs, labels: labels, 0..<half) + second.result()
    }

    private func correctCount(on inputs: SparseInputs, labels: [UInt8], _ range: Range<Int>) -> Int {
        let classes = outputCount
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: range.count * classes)
        defer { scores.deallocate() }
        self.scores(inputs, range, into: scores - range.lowerBound * classes)
        return range.count { i in
            argmax(UnsafeBufferPointer(start: scores + (i - range.lowerBound) * classes, count: classes)) == Int(labels[i])
        }
    }

    /// The scores of `inputs[range]`, `readingRun` at a time through the layers, written to `scores` from row
    /// `range.lowerBound` on.
    func scores(_ inputs: SparseInputs, _ range: Range<Int>, into scores: UnsafeMutablePointer<Float>) {
        let pass = StackPass(self, batchCapacity: Self.readingRun)
        let dense = DenseInputs(width: inputCount, capacity: Self.readingRun)
        let width = outputCount
        parameters.withUnsafeBufferPointer { parameters in
            for start in stride(from: range.lowerBound, to: range.upperBound, by: Self.readingRun) {
                let run = start..<min(start + Self.readingRun, range.upperBound)
                for (s, i) in run.enumerated() { dense.set(s, to: inputs[i]) }
                let outputs = pass.forward(dense.values, count: run.count, parameters: parameters.baseAddress!, mode: .inference)
                (scores + start * width).update(from: outputs.baseAddress!, count: run.count * width)
            }
        }
    }
}

/// Samples' inputs written out in full, from their lists of nonzero values.
final class DenseInputs {
    let width: Int
    let values: UnsafeMutablePointer<Float>

    init(width: Int, capacity: Int) {
        self.width = width
        values = .allocate(capacity: width * capacity)
    }

    deinit { values.deallocate() }

    /// Writes `row` as sample `s`.
    func set(_ s: Int, to row: SparseInputs.Row) {
        let sample = values + s * width
        sample.update(repeating: 0, count: width)
        for p in 0..<row.count { sample[Int(row.indices[p])] = row.values[p] }
    }
}

/// A `LayerStack` learning: its parameters, and a mini-batch's gradient gathered on two cores.
///
/// The mini-batch is split in two halves, each run forward and backward on its own core into its own gradient;
/// `descend` adds the second half's to the first's. The sums are made in the same order whichever core finishes
/// first, so a seed trains the same network every time on one machine.
final class StackLearner: MiniBatchLearner, @unchecked Sendable {  // see learnHalf
    /// The stack learning, with its parameters as they were at the start.
    private let base: LayerStack
    private var layers: [any StackLayer] { base.layers }
    private var offsets: [Int] { base.offsets }
    private let parameterCount: Int
    private let parameters: UnsafeMutablePointer<Float>
    /// V, laid out as the parameters; allocated by the first step that uses momentum or weight decay.
    private var velocities: UnsafeMutablePointer<Float>?
    /// Per half of the mini-batch: its pass, its inputs written out, its gradient.
    private let halves: [(pass: StackPass, inputs: DenseInputs, gradient: UnsafeMutablePointer<Float>)]
    /// Samples in each half of the last mini-batch.
    private var halfCounts = (0, 0)
    private let batchCapacity: Int

    init(_ model: LayerStack, batchCapacity: Int) {
        precondition(batchCapacity > 0)
        base = model
        parameterCount = model.parameters.count
        parameters = .allocate(capacity: parameterCount)
        _ = UnsafeMutableBufferPointer(start: parameters, count: parameterCount).initialize(from: model.parameters)
        self.batchCapacity = batchCapacity
        let halfCapacity = (batchCapacity + 1) / 2
        halves = (0..<2).map { _ in
            let gradient = UnsafeMutablePointer<Float>.allocate(capacity: model.parameters.count)
            gradient.initialize(repeating: 0, count: model.parameters.count)
            return (StackPass(model, batchCapacity: halfCapacity), DenseInputs(width: model.inputCount, capacity: halfCapacity),
                    gradient)
        }
    }

    deinit {
        parameters.deallocate()
        velocities?.deallocate()
        for half in halves { half.gradient.deallocate() }
    }

    var model: LayerStack {
        base.with(parameters: Array(UnsafeBufferPointer(start: parameters, count: parameterCount)))
    }

    func learn(_ images: SparseInputs, labels: [UInt8], order: [Int], batch: Range<Int>, targets: UnsafePointer<Float>,
               cost: Cost, seed: UInt64) {
        precondition(batch.count <= batchCapacity)
        let first = (batch.count + 1) / 2
        halfCounts = (first, batch.count - first)
        job = Job(images: images, labels: labels, order: order, batch: batch, targets: targets, cost: cost, seed: seed)
        defer { job = nil }
        DispatchQueue.concurrentPerform(iterations: 2) { h in learnHalf(h) }
    }

    /// The mini-batch `learn` is working on.
    private struct Job {
        let images: SparseInputs
        let labels: [UInt8]
        let order: [Int]
        let batch: Range<Int>
        let targets: UnsafePointer<Float>
        let cost: Cost
        let seed: UInt64
    }
    private var job: Job?

    /// Half `h` of the job's mini-batch forward and backward, on whichever thread calls it: it writes only its
    /// own half's pass, inputs and gradient, and reads the parameters, which no one writes meanwhile.
    private func learnHalf(_ h: Int) {
        let job = job!
        let (pass, inputs, gradient) = halves[h]
        let first = halfCounts.0
        let samples = h == 0 ? job.batch.prefix(first) : job.batch.dropFirst(first)
        guard !samples.isEmpty else { return }
        let classes = layers[layers.count - 1].outputShape.count
        // Each sample's one-hot target, beside its input.
        let targets = UnsafeMutablePointer<Float>.allocate(capacity: samples.count * classes)
        defer { targets.deallocate() }
        for (s, position) in samples.enumerated() {
            let i = job.order[position]
            inputs.set(s, to: job.images[i])
            (targets + s * classes).update(from: job.targets + Int(job.labels[i]) * classes, count: classes)
        }
        _ = pass.forward(inputs.values, count: samples.count, firstSample: h * first, parameters: parameters,
                         mode: .training(seed: job.seed))
        pass.backward(targets: targets, count: samples.count, parameters: parameters, into: gradient, cost: job.cost)
    }

    /// V ← μV − (ηλ/n) W − (η/m) Σ ∇, W ← W + V, as `Workspace.descend`: biases are not decayed; without momentum
    /// or decay, the gradient term is subtracted straight from W.
    func descend(sampleCount count: Int, step: Workspace.Step) {
        precondition(count == halfCounts.0 + halfCounts.1)
        let (g0, g1) = (halves[0].gradient, halves[1].gradient)
        let scale = step.learningRate / Float(count)
        if step.momentum == 0 && step.weightDecay == 0 {
            for p in 0..<parameterCount { parameters[p] -= scale * (g0[p] + g1[p]) }
        } else {
            if velocities == nil {
                velocities = .allocate(capacity: parameterCount)
                velocities!.initialize(repeating: 0, count: parameterCount)
            }
            let v = velocities!
            for (l, layer) in layers.enumerated() {
                let (start, weightsEnd, end) = (offsets[l], offsets[l] + layer.weightCount, offsets[l + 1])
                for p in start..<weightsEnd {
                    v[p] = step.momentum * v[p] - step.weightDecay * parameters[p] - scale * (g0[p] + g1[p])
                }
                for p in weightsEnd..<end { v[p] = step.momentum * v[p] - scale * (g0[p] + g1[p]) }
            }
            for p in 0..<parameterCount { parameters[p] += v[p] }
        }
        g0.update(repeating: 0, count: parameterCount)
        g1.update(repeating: 0, count: parameterCount)
    }
}
