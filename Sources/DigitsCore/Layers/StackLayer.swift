import Foundation

/// The size of what flows between layers: C feature maps of H × W values. A dense level of n neurons is n × 1 × 1.
public struct FeatureShape: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let channels: Int
    public let height: Int
    public let width: Int

    public init(channels: Int, height: Int, width: Int) {
        precondition(channels > 0 && height > 0 && width > 0, "empty shape")
        (self.channels, self.height, self.width) = (channels, height, width)
    }

    /// n neurons of a dense level.
    public init(neurons: Int) {
        self.init(channels: neurons, height: 1, width: 1)
    }

    /// Values per sample.
    public var count: Int { channels * height * width }
    public var isFlat: Bool { height == 1 && width == 1 }

    /// `20x24x24`, or `100` for a dense level.
    public var description: String { isFlat ? "\(channels)" : "\(channels)x\(height)x\(width)" }
}

/// One layer of a `LayerStack`: one kind, with its shapes and its forward and backward pass side by side.
///
/// Values are Float32, a sample's feature maps channel after channel, each row-major (C × H × W, as PyTorch's
/// NCHW without N), the samples of a mini-batch one after another. A layer's trainable parameters are a slice of
/// its stack's one parameter vector, laid out as the layer documents, weights first: the first `weightCount`
/// are what L2 regularisation shrinks, the rest (biases) are not.
///
/// A new kind is a new file beside the others: a type conforming to this protocol, a token in `Architecture` that
/// makes it, and what it exports (`ExportedLayer`).
protocol StackLayer: Sendable {
    var inputShape: FeatureShape { get }
    var outputShape: FeatureShape { get }
    /// Trainable parameters, weights first.
    var parameterCount: Int { get }
    /// The leading parameters that are weights (L2 shrinks them); the others are biases.
    var weightCount: Int { get }
    /// Floats per sample that the forward pass keeps for the backward pass (pooling's winners, dropout's mask).
    var memoryCount: Int { get }

    /// The layer as ONNX and safetensors files write it (see `ExportedLayer`).
    var exported: ExportedLayer { get }

    /// The layer's initial parameters, drawn from `generator` as `initialization` says.
    func initialParameters(_ initialization: Network.Initialization, generator: inout SplitMix64) -> [Float]

    /// Why `parameters` (finite numbers, laid out as the layer's) cannot be this layer's, if they cannot: what a
    /// model file must not hand the layer (a negative variance).
    func problem(with parameters: ArraySlice<Float>) -> String?

    /// Output from input for `pass.count` samples.
    func forward(_ pass: LayerPass, mode: PassMode)

    /// From ∂C/∂output, adds ∂C/∂parameters, summed over the samples, to `parameterGradient`, and writes
    /// ∂C/∂input to `inputGradient` unless it is nil (the first layer's inputs learn nothing).
    func backward(_ pass: LayerPass, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                  parameterGradient: UnsafeMutablePointer<Float>)
}

extension StackLayer {
    var parameterCount: Int { 0 }
    var weightCount: Int { 0 }
    var memoryCount: Int { 0 }
    func initialParameters(_ initialization: Network.Initialization, generator: inout SplitMix64) -> [Float] { [] }
    func problem(with parameters: ArraySlice<Float>) -> String? { nil }
}

/// What a layer reads and writes for a run of samples.
struct LayerPass {
    /// `count` × inputShape.count values.
    let input: UnsafePointer<Float>
    /// `count` × outputShape.count values, written by `forward`, read by `backward`.
    let output: UnsafeMutablePointer<Float>
    /// The layer's `parameterCount` parameters.
    let parameters: UnsafePointer<Float>
    /// `count` × memoryCount values, written by `forward`, read by `backward`.
    let memory: UnsafeMutablePointer<Float>
    let count: Int
    /// The index in its mini-batch of the first sample: what makes a sample's random draws its own, whichever
    /// thread runs it.
    let firstSample: Int
}

/// Why a forward pass runs.
enum PassMode: Equatable {
    /// Reading: every neuron on, and no backward pass follows (a layer need not keep its memory).
    case inference
    /// Learning: layers that act at random (dropout) draw from `seed`, the mini-batch's, and the sample's index.
    case training(seed: UInt64)
}
