import Foundation

// A trained network as an ONNX model (IR version 7, the default opset at version 13), written with the few
// messages of onnx.proto it needs. The graph:
//
//   input  float32 [N, 1, 28, 28], pixels v / 255 as DigitPreparation makes them (0 paper, 1 ink)
//   Flatten(axis 1)                                  → [N, 784]
//   per layer i: Gemm(x, layers.i.weight, layers.i.bias, transB = 1)   (weight [out, in], as the book writes W)
//                then Sigmoid, Relu or Softmax (axis −1) by the layer's activation; identity adds nothing
//   scores float32 [N, 10], the output layer's activations
//
// A network of other layer kinds takes its input's shape, [N, C, H, W] (a flat input of 784 as [N, 1, 28, 28]),
// and writes each layer l of its stack (activations are layers too) as the layer says (`ExportedLayer`):
// Conv(x, layers.l.weight [C_out, C_in, k, k], layers.l.bias), MaxPool(kernel_shape = strides = [p, p]),
// BatchNormalization(x, layers.l.weight, .bias, .running_mean, .running_var [C]; ε 10⁻⁵, the default),
// Gemm(x, layers.l.weight [out, in], layers.l.bias, transB = 1) after a Flatten(axis 1) where the value still has
// feature maps, Relu, Sigmoid, Softmax; dropout, which acts only in training, and the identity write nothing.
//
// metadata_props carry the training record: the architecture, the settings, the epochs, the test accuracy.

public enum ONNXFile {
    public static let irVersion: Int64 = 7
    public static let opsetVersion: Int64 = 13
    public static let inputName = "input"
    public static let outputName = "scores"

    /// Field numbers of onnx.proto (ONNX 1.x, proto2 syntax), each checked against the file; only those used here.
    private enum Field {
        enum Model { static let irVersion = 1, producerName = 2, producerVersion = 3, docString = 6, graph = 7,
                     opsetImport = 8, metadataProps = 14 }
        enum OperatorSetId { static let domain = 1, version = 2 }
        enum StringStringEntry { static let key = 1, value = 2 }
        enum Graph { static let node = 1, name = 2, initializer = 5, input = 11, output = 12 }
        enum Node { static let input = 1, output = 2, name = 3, opType = 4, attribute = 5 }
        enum Attribute { static let name = 1, i = 3, ints = 8, type = 20 }
        enum AttributeType { static let int: Int64 = 2, ints: Int64 = 7 }
        enum Tensor { static let dims = 1, dataType = 2, name = 8, rawData = 9 }
        enum DataType { static let float: Int64 = 1 }
        enum ValueInfo { static let name = 1, type = 2 }
        enum TypeProto { static let tensorType = 1 }
        enum TypeTensor { static let elemType = 1, shape = 2 }
        enum TensorShape { static let dim = 1 }
        enum Dimension { static let dimValue = 1, dimParam = 2 }
    }

    /// The ONNX bytes of `model`, whose network takes 28×28 pictures (784 inputs).
    public static func encode(_ model: TrainedModel, metadata: [(key: String, value: String)]) -> [UInt8] {
        let network = model.network
        precondition(network.inputCount == DigitPreparation.side * DigitPreparation.side, "a network for 28×28 pictures")
        var out = ProtobufWriter()
        out.integer(Field.Model.irVersion, irVersion)
        out.string(Field.Model.producerName, "digits")
        out.string(Field.Model.producerVersion, "model file version \(ModelFile.version)")
        out.string(Field.Model.docString, "A network trained by digits to read handwritten digits (MNIST): input "
            + "[N, 1, 28, 28] pixels, 0 for paper and 1 for ink; scores [N, 10], one per digit 0-9.")
        out.message(Field.Model.graph) { graph in
            writeGraph(network, into: &graph)
        }
        out.message(Field.Model.opsetImport) { opset in
            opset.string(Field.OperatorSetId.domain, "")
            opset.integer(Field.OperatorSetId.version, opsetVersion)
        }
        for (key, value) in metadata {
            out.message(Field.Model.metadataProps) { entry in
                entry.string(Field.StringStringEntry.key, key)
                entry.string(Field.StringStringEntry.value, value)
            }
        }
        return out.bytes
    }

    private typealias Node = (op: String, inputs: [String], output: String,
                              attributes: [(name: String, value: ExportedLayer.Attribute)])

    private static func writeGraph(_ network: TrainedNetwork, into graph: inout ProtobufWriter) {
        let side = DigitPreparation.side
        switch network {
        case .dense(let network):
            var nodes: [Node] = [("Flatten", [inputName], "flat", [("axis", .int(1))])]
            var current = "flat"
            for (i, layer) in network.layers.enumerated() {
                let last = i == network.layers.count - 1
                let z = last && layer.activation == .identity ? outputName : "layers.\(i).z"
                nodes.append(("Gemm", [current, "layers.\(i).weight", "layers.\(i).bias"], z, [("transB", .int(1))]))
                current = z
                let operation: String? = switch layer.activation {
                case .sigmoid: "Sigmoid"
                case .relu: "Relu"
                case .softmax: "Softmax"
                case .identity: nil
                }
                if let operation {
                    let a = last ? outputName : "layers.\(i).a"
                    nodes.append((operation, [current], a, []))  // Softmax: over the last axis, opset 13's default
                    current = a
                }
            }
            let tensors = network.layers.enumerated().flatMap { i, layer in
                [("layers.\(i).weight", [layer.outputCount, layer.inputCount], layer.rowMajorWeights),
                 ("layers.\(i).bias", [layer.outputCount], layer.biases)]
            }
            write(nodes, tensors, input: [1, side, side], outputs: network.outputCount, into: &graph)
        case .layered(let stack):
            var nodes: [Node] = []
            var (current, flat) = (inputName, false)
            for (l, layer) in stack.layers.enumerated() {
                for (o, operation) in layer.exported.operators.enumerated() {
                    if operation.takesFlatInput && !flat {
                        nodes.append(("Flatten", [current], "layers.\(l).flat", [("axis", .int(1))]))
                        (current, flat) = ("layers.\(l).flat", true)
                    }
                    let output = "layers.\(l).\(operation.type.lowercased())\(o)"
                    nodes.append((operation.type, [current] + operation.tensors.map { "layers.\(l).\($0)" }, output,
                                  operation.attributes))
                    current = output
                }
            }
            // The last operator writes the scores; a network ending in the identity ends in its Gemm.
            if let last = nodes.indices.last { nodes[last].output = outputName }
            let tensors = stack.layers.enumerated().flatMap { l, layer in
                layer.exported.tensors.map { tensor in
                    ("layers.\(l).\(tensor.name)", tensor.shape,
                     Array(stack.parameters[stack.offsets[l] + tensor.range.lowerBound..<stack.offsets[l] + tensor.range.upperBound]))
                }
            }
            let shape = stack.inputShape.isFlat ? [1, side, side] : [stack.inputShape.channels, stack.inputShape.height,
                                                                      stack.inputShape.width]
            write(nodes, tensors, input: shape, outputs: stack.outputCount, into: &graph)
        }
    }

    private static func write(_ nodes: [Node], _ tensors: [(name: String, dims: [Int], values: [Float])], input: [Int],
                              outputs: Int, into graph: inout ProtobufWriter) {
        for (index, node) in nodes.enumerated() {
            graph.message(Field.Graph.node) { message in
                for input in node.inputs { message.string(Field.Node.input, input) }
                message.string(Field.Node.output, node.output)
                message.string(Field.Node.name, "\(node.op.lowercased())\(index)")
                message.string(Field.Node.opType, node.op)
                for (name, value) in node.attributes {
                    message.message(Field.Node.attribute) { attribute in
                        attribute.string(Field.Attribute.name, name)
                        switch value {
                        case .int(let i):
                            attribute.integer(Field.Attribute.type, Field.AttributeType.int)
                            attribute.integer(Field.Attribute.i, Int64(i))
                        case .ints(let values):
                            attribute.integer(Field.Attribute.type, Field.AttributeType.ints)
                            for v in values { attribute.integer(Field.Attribute.ints, Int64(v)) }
                        }
                    }
                }
            }
        }
        graph.string(Field.Graph.name, "digits")
        for tensor in tensors { writeTensor(tensor.name, dims: tensor.dims, tensor.values, into: &graph) }
        writeValueInfo(inputName, dims: [nil] + input, field: Field.Graph.input, into: &graph)
        writeValueInfo(outputName, dims: [nil, outputs], field: Field.Graph.output, into: &graph)
    }

    private static func writeTensor(_ name: String, dims: [Int], _ values: [Float], into graph: inout ProtobufWriter) {
        graph.message(Field.Graph.initializer) { tensor in
            for d in dims { tensor.integer(Field.Tensor.dims, Int64(d)) }
            tensor.integer(Field.Tensor.dataType, Field.DataType.float)
            tensor.string(Field.Tensor.name, name)
            tensor.bytes(Field.Tensor.rawData, littleEndianBytes(values))
        }
    }

    /// A float32 tensor's name and shape; nil dimensions are the batch, named N.
    private static func writeValueInfo(_ name: String, dims: [Int?], field: Int, into graph: inout ProtobufWriter) {
        graph.message(field) { info in
            info.string(Field.ValueInfo.name, name)
            info.message(Field.ValueInfo.type) { type in
                type.message(Field.TypeProto.tensorType) { tensor in
                    tensor.integer(Field.TypeTensor.elemType, Field.DataType.float)
                    tensor.message(Field.TypeTensor.shape) { shape in
                        for d in dims {
                            shape.message(Field.TensorShape.dim) { dimension in
                                if let d {
                                    dimension.integer(Field.Dimension.dimValue, Int64(d))
                                } else {
                                    dimension.string(Field.Dimension.dimParam, "N")
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// IEEE 754 binary32 values, little-endian, one after another: the raw data of ONNX and safetensors tensors.
func littleEndianBytes(_ values: [Float]) -> [UInt8] {
    var bytes = [UInt8]()
    bytes.reserveCapacity(values.count * 4)
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
    return bytes
}
