import Foundation

/// A layer as other tools' files write it (`digits export`): the ONNX operators that compute it at inference, in
/// order, and its parameters as tensors with the shapes PyTorch gives them. A kind says this of itself; the ONNX
/// and safetensors writers only put it down.
struct ExportedLayer {
    /// An ONNX operator: its type, its attributes, and which of the layer's tensors it reads after the value
    /// flowing through the network.
    struct Operator {
        let type: String
        var attributes: [(name: String, value: Attribute)] = []
        var tensors: [String] = []
        /// Takes [N, n] rather than [N, C, H, W] (ONNX's Gemm): a Flatten goes before it when needed.
        var takesFlatInput = false
    }

    enum Attribute {
        case int(Int)
        case ints([Int])
    }

    /// A slice of the layer's parameters as a tensor: its name after `layers.<index>.`, its shape, where it lies.
    struct Tensor {
        let name: String
        let shape: [Int]
        let range: Range<Int>
    }

    /// Empty for a layer that does nothing at inference (dropout, the identity).
    var operators: [Operator] = []
    var tensors: [Tensor] = []
}
