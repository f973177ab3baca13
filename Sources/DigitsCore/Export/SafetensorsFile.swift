import Foundation

// A trained network as a safetensors file (the format of Hugging Face's safetensors library):
//
//   8 bytes    H, the header's length, u64 little-endian
//   H bytes    a JSON object, padded with spaces to a multiple of 8: for each tensor, its name →
//              {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]} (offsets into the data that
//              follows), and "__metadata__" → an object of strings (the architecture and the training record)
//   …          the tensors' data, float32 little-endian, row-major, one after another in the header's order
//
// The tensors are `layers.i.weight`, shape [outputs, inputs] (W as the book writes it, as PyTorch's Linear
// stores it), and `layers.i.bias`, shape [outputs], for each layer i from the input. A network of other layer
// kinds numbers the layers of its stack (activations and dropout count, and have no tensors): a convolution's
// `layers.l.weight` is [C_out, C_in, k, k] and its bias [C_out], as PyTorch's Conv2d stores them; a batch
// normalisation's `weight`, `bias`, `running_mean` and `running_var` are [C], as BatchNorm2d stores them.

public enum SafetensorsFile {
    public static func encode(_ model: TrainedModel, metadata: [(key: String, value: String)]) -> [UInt8] {
        var tensors: [(name: String, shape: [Int], values: [Float])] = []
        switch model.network {
        case .dense(let network):
            for (i, layer) in network.layers.enumerated() {
                tensors.append(("layers.\(i).weight", [layer.outputCount, layer.inputCount], layer.rowMajorWeights))
                tensors.append(("layers.\(i).bias", [layer.outputCount], layer.biases))
            }
        case .layered(let stack):
            for (l, layer) in stack.layers.enumerated() {
                for tensor in layer.exported.tensors {
                    let start = stack.offsets[l]
                    tensors.append(("layers.\(l).\(tensor.name)", tensor.shape,
                                    Array(stack.parameters[start + tensor.range.lowerBound..<start + tensor.range.upperBound])))
                }
            }
        }
        var entries: [String] = []
        var offset = 0
        for tensor in tensors {
            let end = offset + tensor.values.count * 4
            entries.append("\(jsonString(tensor.name)):{\"dtype\":\"F32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],"
                + "\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        let fields = metadata.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
        entries.append("\"__metadata__\":{\(fields.joined(separator: ","))}")
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var bytes = [UInt8]()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
        bytes += header
        for tensor in tensors { bytes += littleEndianBytes(tensor.values) }
        return bytes
    }
}

/// `text` as a JSON string literal.
func jsonString(_ text: String) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .withoutEscapingSlashes
    return String(decoding: (try? encoder.encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
}
