import Foundation

/// A kind of network that `Trainer` can train: the chapter-1 `Network`, or a `LayerStack` of any layer kinds.
protocol Trainable: Sendable {
    associatedtype Learner: MiniBatchLearner where Learner.Model == Self
    var inputCount: Int { get }
    var outputCount: Int { get }
    /// True when every parameter is a finite number.
    var isFinite: Bool { get }
    /// How many of `inputs` it classifies as their label; on this thread alone with `oneCore`, else on two cores.
    func correctCount(on inputs: SparseInputs, labels: [UInt8], oneCore: Bool) -> Int
    /// The network as it will read, with what it measures of the training digits after learning set: batch
    /// normalisation's population statistics (`LayerStack.calibrated`); most networks measure nothing.
    func calibrated(on digits: LabeledImages) -> Self
}

extension Trainable {
    func calibrated(on digits: LabeledImages) -> Self { self }
}

/// A network's parameters in the form that learns: gradients gathered over a mini-batch, then one step.
protocol MiniBatchLearner: AnyObject {
    associatedtype Model
    init(_ model: Model, batchCapacity: Int)
    /// The parameters as they are now.
    var model: Model { get }
    /// Forward and backward passes over the images `order[batch]`, their gradients kept for `descend`.
    /// `targets` holds the one-hot target of class c in row c; `seed` is the mini-batch's, for what acts at random.
    func learn(_ images: SparseInputs, labels: [UInt8], order: [Int], batch: Range<Int>, targets: UnsafePointer<Float>,
               cost: Cost, seed: UInt64)
    /// One gradient step from the mini-batch of `sampleCount` samples that `learn` went through.
    func descend(sampleCount: Int, step: Workspace.Step)
}

extension Network: Trainable {
    typealias Learner = Workspace
}

extension Workspace: MiniBatchLearner {
    var model: Network { network }

    func learn(_ images: SparseInputs, labels: [UInt8], order: [Int], batch: Range<Int>, targets: UnsafePointer<Float>,
               cost: Cost, seed: UInt64) {
        let classes = sizes[sizes.count - 1]
        for (s, position) in batch.enumerated() {
            // Shuffled images come from anywhere in memory. While sample s trains, fetch the image a mini-batch
            // ahead, and where the image two mini-batches ahead lies, so that neither is waited for when it comes:
            // one image at a time, as a burst of fetches would queue and stall.
            let ahead = position + batch.count
            if ahead < order.count { images.prefetch(order[ahead]) }
            if ahead + batch.count < order.count { images.prefetchLocation(order[ahead + batch.count]) }
            let i = order[position]
            setInput(images[i], sample: s)
            _ = forward(sample: s)
            backward(sample: s, target: targets + Int(labels[i]) * classes, cost: cost)
        }
    }
}
