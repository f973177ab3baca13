import Foundation

/// A feed-forward network of layers of any kind (`StackLayer`): a convolutional network such as network3.py's,
/// or any chain of convolutions, pooling, dropout, dense layers and activations whose shapes fit.
///
/// All parameters live in one vector, layer after layer, each layer's laid out as that layer documents.
public struct LayerStack: Equatable, Sendable {
    /// The layers on one line; each convolution and hidden dense layer is followed by `hiddenActivation`, the
    /// output layer by `outputActivation`.
    public let architecture: Architecture
    public let hiddenActivation: Network.Activation
    public let outputActivation: Network.Activation
    let layers: [any StackLayer]
    /// Every layer's parameters, layer after layer.
    public private(set) var parameters: [Float]
    /// Where each layer's parameters start in `parameters`; one more entry, the total, at the end.
    let offsets: [Int]

    /// `architecture`'s layers with `parameters`, laid out layer after layer as each layer documents.
    init(_ architecture: Architecture, hidden: Network.Activation, output: Network.Activation, parameters: [Float]) {
        let layers = architecture.layers(hidden: hidden, output: output)
        for (previous, next) in zip(layers, layers.dropFirst()) {
            precondition(previous.outputShape == next.inputShape, "layer shapes do not chain")
        }
        var offsets = [0]
        for layer in layers { offsets.append(offsets[offsets.count - 1] + layer.parameterCount) }
        precondition(parameters.count == offsets[offsets.count - 1], "parameter count mismatch")
        (self.architecture, hiddenActivation, outputActivation) = (architecture, hidden, output)
        self.layers = layers
        self.parameters = parameters
        self.offsets = offsets
    }

    /// A stack of `architecture`'s layers, each convolution and hidden dense layer followed by `hidden` neurons
    /// and the output layer by `output`, its parameters drawn as `initialization` says, layer after layer.
    public init(_ architecture: Architecture, hidden: Network.Activation, output: Network.Activation,
                initialization: Network.Initialization, generator: inout SplitMix64) {
        let layers = architecture.layers(hidden: hidden, output: output)
        self.init(architecture, hidden: hidden, output: output,
                  parameters: layers.flatMap { $0.initialParameters(initialization, generator: &generator) })
    }

    /// The same layers with other parameters.
    func with(parameters: [Float]) -> LayerStack {
        LayerStack(architecture, hidden: hiddenActivation, output: outputActivation, parameters: parameters)
    }

    /// The number of parameters `architecture` has.
    static func parameterCount(_ architecture: Architecture) -> Int {
        architecture.layers(hidden: .relu, output: .softmax).reduce(0) { $0 + $1.parameterCount }
    }

    public static func == (a: LayerStack, b: LayerStack) -> Bool {
        (a.architecture, a.hiddenActivation, a.outputActivation, a.parameters)
            == (b.architecture, b.hiddenActivation, b.outputActivation, b.parameters)
    }

    public var inputShape: FeatureShape { layers[0].inputShape }
    public var outputShape: FeatureShape { layers[layers.count - 1].outputShape }

    /// The output for one input of `inputShape.count` values, every neuron on.
    public func outputs(_ input: [Float]) -> [Float] {
        outputsFunction()(input)
    }

    /// `outputs` as a function that keeps one pass's memory for every input.
    func outputsFunction() -> ([Float]) -> [Float] {
        let pass = StackPass(self, batchCapacity: 1)
        return { [inputShape, parameters] input in
            precondition(input.count == inputShape.count, "input has \(input.count) values, the network takes \(inputShape.count)")
            return input.withUnsafeBufferPointer { input in
                parameters.withUnsafeBufferPointer { parameters in
                    Array(pass.forward(input.baseAddress!, count: 1, parameters: parameters.baseAddress!, mode: .inference))
                }
            }
        }
    }

    /// The outputs of `inputs`, one after another, in `mode`.
    private func forward(_ inputs: [[Float]], mode: PassMode) -> [Float] {
        let pass = StackPass(self, batchCapacity: inputs.count)
        return Array(inputs.joined()).withUnsafeBufferPointer { input in
            parameters.withUnsafeBufferPointer { parameters in
                Array(pass.forward(input.baseAddress!, count: inputs.count, parameters: parameters.baseAddress!, mode: mode))
            }
        }
    }

    /// The cost of `batch`'s inputs against their targets, summed, passing together in `mode` (training mode
    /// draws dropout's mask from its seed, and batch normalisation uses the batch's statistics).
    func cost(_ batch: [(input: [Float], target: [Float])], _ cost: Cost, mode: PassMode = .inference) -> Float {
        // Both costs sum over values, so the batch's outputs against its targets, end to end, are the sum.
        cost.value(forward(batch.map(\.input), mode: mode), batch.flatMap(\.target), output: outputActivation)
    }

    /// True when every parameter is a finite number.
    public var isFinite: Bool { parameters.allSatisfy(\.isFinite) }

    /// Why the (finite) parameters cannot be these layers', if they cannot, naming the layer by its place.
    var parameterProblem: String? {
        for (l, layer) in layers.enumerated() {
            if let problem = layer.problem(with: parameters[offsets[l]..<offsets[l + 1]]) { return "layer \(l + 1): \(problem)" }
        }
        return nil
    }

    /// Σ over `batch` of ∂C/∂parameters, its samples passing together in training mode, dropout drawn from `seed`.
    func gradient(_ batch: [(input: [Float], target: [Float])], cost: Cost, seed: UInt64 = 0) -> [Float] {
        let pass = StackPass(self, batchCapacity: batch.count)
        let inputs = batch.flatMap(\.input)
        let targets = batch.flatMap(\.target)
        var gradient = [Float](repeating: 0, count: parameters.count)
        inputs.withUnsafeBufferPointer { inputs in
            targets.withUnsafeBufferPointer { targets in
                parameters.withUnsafeBufferPointer { parameters in
                    gradient.withUnsafeMutableBufferPointer { gradient in
                        _ = pass.forward(inputs.baseAddress!, count: batch.count, parameters: parameters.baseAddress!,
                                         mode: .training(seed: seed))
                        pass.backward(targets: targets.baseAddress!, count: batch.count, parameters: parameters.baseAddress!,
                                      into: gradient.baseAddress!, cost: cost)
                    }
                }
            }
        }
        return gradient
    }
}

/// The values, gradients and layer memories of a forward and backward pass over up to `batchCapacity` samples.
///
/// Level l is layer l's input (level 0 the network's input, which is read, not kept); level L the output.
final class StackPass {
    /// The stack's layers and where each one's parameters start; the parameters themselves are passed to each
    /// pass, so that one `StackPass` serves as they change.
    private let layers: [any StackLayer]
    private let offsets: [Int]
    private let outputActivation: Network.Activation
    let batchCapacity: Int
    /// Levels 1…L: `batchCapacity` samples of each layer's output.
    private let values: [UnsafeMutablePointer<Float>]
    /// ∂C/∂ level, levels 1…L (level 0's is never needed).
    private let gradients: [UnsafeMutablePointer<Float>]
    private let memories: [UnsafeMutablePointer<Float>]
    /// The input of the last forward pass, and the index of its first sample in the mini-batch.
    private var input: UnsafePointer<Float>?
    private var firstSample = 0

    init(_ stack: LayerStack, batchCapacity: Int) {
        precondition(batchCapacity > 0)
        (layers, offsets, outputActivation) = (stack.layers, stack.offsets, stack.outputActivation)
        self.batchCapacity = batchCapacity
        values = layers.map { .allocate(capacity: $0.outputShape.count * batchCapacity) }
        gradients = layers.map { .allocate(capacity: $0.outputShape.count * batchCapacity) }
        memories = layers.map { .allocate(capacity: $0.memoryCount * batchCapacity) }
    }

    deinit {
        for pointer in values + gradients + memories { pointer.deallocate() }
    }

    private func pass(_ l: Int, count: Int, parameters: UnsafePointer<Float>) -> LayerPass {
        LayerPass(input: l == 0 ? input! : UnsafePointer(values[l - 1]), output: values[l],
                  parameters: parameters + offsets[l], memory: memories[l], count: count, firstSample: firstSample)
    }

    /// Runs `count` samples of `input` through every layer (or the first `layers`) with `parameters` (laid out as
    /// the stack's); returns the outputs of the last layer run, valid until the next pass. `firstSample` is the
    /// first one's index in its mini-batch.
    @discardableResult
    func forward(_ input: UnsafePointer<Float>, count: Int, firstSample: Int = 0, parameters: UnsafePointer<Float>,
                 mode: PassMode, layers end: Int? = nil) -> UnsafeBufferPointer<Float> {
        precondition(count <= batchCapacity)
        (self.input, self.firstSample) = (input, firstSample)
        let end = end ?? layers.count
        for l in 0..<end {
            layers[l].forward(pass(l, count: count, parameters: parameters), mode: mode)
        }
        guard end > 0 else { return UnsafeBufferPointer(start: input, count: count * layers[0].inputShape.count) }
        return UnsafeBufferPointer(start: values[end - 1], count: count * layers[end - 1].outputShape.count)
    }

    /// Layer `l`'s output of the last forward pass, sample after sample.
    func output(of l: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: values[l], count: layers[l].outputShape.count * batchCapacity)
    }

    /// After `forward`, adds Σ over its samples of ∂C/∂parameters to `gradient`, for one-hot (or any) `targets`,
    /// `count` rows of the output's size.
    ///
    /// For the cross-entropy over a softmax or sigmoid output, ∂C/∂z = a − y is formed directly at the output
    /// activation's input, which is both cheaper and exact where a has rounded to 0 or 1; otherwise the cost's
    /// gradient ∂C/∂a = a − y (quadratic) goes back through every layer.
    func backward(targets: UnsafePointer<Float>, count: Int, parameters: UnsafePointer<Float>,
                  into gradient: UnsafeMutablePointer<Float>, cost: Cost) {
        let last = layers.count - 1
        let outputs = layers[last].outputShape.count * count
        let (a, top) = (values[last], gradients[last])
        for v in 0..<outputs { top[v] = a[v] - targets[v] }
        var l = last
        if cost == .crossEntropy {
            precondition([.softmax, .sigmoid].contains(outputActivation), "the cross-entropy needs softmax or sigmoid outputs")
            // a − y is ∂C/∂z at the activation's input: level `last`, one below.
            if last == 0 { return }
            gradients[last - 1].update(from: top, count: outputs)
            l = last - 1
        }
        while l >= 0 {
            layers[l].backward(pass(l, count: count, parameters: parameters),
                                     outputGradient: gradients[l], inputGradient: l == 0 ? nil : gradients[l - 1],
                                     parameterGradient: gradient + offsets[l])
            l -= 1
        }
    }
}
