import Foundation
import Testing
@testable import DigitsCore

/// digits export's encoders on small networks, against fixtures that Tests/Export/export_test.py checks with the
/// real runtimes (onnx's checker, onnxruntime, safetensors, numpy); and network2.py's JSON read back, good and bad.
@Suite struct ExportTests {
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/export")
    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }
    static var tiny: TrainedModel {
        get throws { try ModelFile.read(from: fixtures.appendingPathComponent("tiny.model").path) }
    }

    @Test func protobufFieldsAreEncodedAsTheFormatSays() {
        // The format's own examples: field 1 = 150 is 08 96 01; field 2 = "testing" is 12 07 74 65 73 74 69 6e 67.
        var writer = ProtobufWriter()
        writer.integer(1, 150)
        writer.string(2, "testing")
        #expect(writer.bytes == [0x08, 0x96, 0x01, 0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6E, 0x67])
        // A nested message: its length, then its bytes; a negative int64 takes ten bytes.
        var nested = ProtobufWriter()
        nested.message(3) { $0.integer(1, -1) }
        #expect(nested.bytes == [0x1A, 0x0B, 0x08] + Array(repeating: 0xFF, count: 9) + [0x01])
    }

    @Test func theTinyNetworkEncodesAsItsFixtures() throws {
        let model = try Self.tiny
        #expect(ExportFormat.onnx.encode(model) == (try Self.fixture("tiny.onnx")))
        #expect(ExportFormat.safetensors.encode(model) == (try Self.fixture("tiny.safetensors")))
        #expect(ExportFormat.network2.encode(model) == (try Self.fixture("tiny.json")))
    }

    @Test func safetensorsHeaderDescribesContiguousTensors() throws {
        let bytes = ExportFormat.safetensors.encode(try Self.tiny)
        let headerLength = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * $1.offset) })
        #expect(headerLength % 8 == 0)
        let header = try #require(JSONSerialization.jsonObject(with: Data(bytes[8..<8 + headerLength])) as? [String: Any])
        let names = ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
        #expect(Set(header.keys) == Set(names + ["__metadata__"]))
        var end = 0
        for (name, shape) in zip(names, [[3, 784], [3], [10, 3], [10]]) {
            let entry = try #require(header[name] as? [String: Any])
            #expect(entry["dtype"] as? String == "F32")
            #expect(entry["shape"] as? [Int] == shape)
            let offsets = try #require(entry["data_offsets"] as? [Int])
            #expect(offsets == [end, end + shape.reduce(1, *) * 4])
            end = offsets[1]
        }
        #expect(8 + headerLength + end == bytes.count)
        let metadata = try #require(header["__metadata__"] as? [String: String])
        #expect(metadata["architecture"] == "784,3,10" && metadata["activations"] == "sigmoid,sigmoid")
        // The first weight, W[0][0], is the first float after the header.
        let first = Float(bitPattern: bytes[8 + headerLength..<12 + headerLength].enumerated()
            .reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) })
        #expect(first == (try Self.tiny).network.dense?.layers[0].rowMajorWeights[0])
    }

    @Test func onnxNamesItsInputOutputAndOpset() throws {
        let bytes = ExportFormat.onnx.encode(try Self.tiny)
        #expect(Array(bytes.prefix(2)) == [0x08, 0x07])  // ir_version = 7
        let text = String(decoding: bytes, as: UTF8.self)
        for part in ["Flatten", "Gemm", "Sigmoid", "transB", "layers.1.weight", "scores", "input", "architecture"] {
            #expect(text.contains(part), "no \(part)")
        }
        #expect(!text.contains("Relu") && !text.contains("Softmax"))
        // The opset import, field 8: domain "" and version 13.
        #expect(bytes.indices.contains { i in Array(bytes[i..<min(i + 6, bytes.count)]) == [0x42, 0x04, 0x0A, 0x00, 0x10, 0x0D] })
    }

    @Test func network2JSONRoundTripsBitForBit() throws {
        let original = try ModelFile.read(from: repositoryRoot.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/nielsen-seed1-v1.model").path)
        let path = NSTemporaryDirectory() + "digits-network2-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ExportFormat.network2.write(original, to: path)
        let (network, cost) = try Network2JSON.read(from: path, inputs: 784, outputs: 10)
        #expect(network == original.network.dense)
        #expect(cost == original.record.settings.cost)
    }

    @Test func aReLUOrSoftmaxNetworkIsNotANetwork2Network() throws {
        var generator = SplitMix64(seed: 3)
        let network = Network(sizes: [784, 5, 10], hidden: .relu, output: .softmax, initialization: .he, generator: &generator)
        let model = TrainedModel(network: network, record: try Self.tiny.record)
        #expect(ExportFormat.network2.problem(with: model)
            == "network2.py's networks have sigmoid neurons only, and layer 1 of this one is relu")
        let path = NSTemporaryDirectory() + "digits-never-\(UUID().uuidString).json"
        #expect(throws: ExportError.self) { try ExportFormat.network2.write(model, to: path) }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(ExportFormat.onnx.problem(with: model) == nil)
    }

    /// A network2 JSON with one thing wrong, and what the error says of it.
    @Test(arguments: [
        ("{\"sizes\": [784, 10], \"weights\": [", "not JSON: it ends at byte 33, inside a value"),
        ("{\"sizes\": [784, 10], \"weights\": [[[1, 2,, 3]]]}", "weights[0][0][2] is not a number"),
        ("{\"sizes\": [784, 10]} trailing", "not JSON: more after the object, at byte 21"),
        ("{\"sizes\": [784, 01]}", "sizes[1] is not a number"),
        ("{\"extra\": " + String(repeating: "[", count: 100_000), "not JSON as network2.py writes it: nested more than 64 deep"),
        ("[1, 2, 3]", "not an object of \"sizes\", \"weights\", \"biases\" and \"cost\""),
        ("{\"sizes\": [784, 10], \"weights\": [], \"biases\": []}", "no \"cost\""),
        ("{\"sizes\": [784, 10], \"weights\": [], \"biases\": [], \"cost\": \"LogCost\"}",
         "\"cost\" must be \"QuadraticCost\" or \"CrossEntropyCost\", not \"LogCost\""),
        ("{\"sizes\": [28, 10], \"weights\": [], \"biases\": [], \"cost\": \"QuadraticCost\"}",
         "sizes [28, 10] do not run from 784 inputs (28×28 pixels) to 10 outputs (digits)"),
        ("{\"sizes\": [784, 0, 10], \"weights\": [], \"biases\": [], \"cost\": \"QuadraticCost\"}",
         "a layer of 0 neurons; expected 1 to 1048576"),
        ("{\"sizes\": [784, 10], \"weights\": [], \"biases\": [], \"cost\": \"QuadraticCost\"}",
         "\"weights\" holds 0 matrices; the sizes make 1 layers"),
        ("{\"sizes\": [784, 10], \"weights\": [[[true]]], \"biases\": [], \"cost\": \"QuadraticCost\"}",
         "weights[0][0][0] is not a number"),
        ("{\"sizes\": [784, 10], \"weights\": [[[1]]], \"biases\": [[[1]]], \"cost\": \"QuadraticCost\"}",
         "weights[0] has 1 rows; sizes[1] is 10"),
        ("{\"sizes\": \"784\", \"weights\": [], \"biases\": [], \"cost\": \"QuadraticCost\"}",
         "sizes is not a list"),
    ])
    func aBrokenNetwork2FileIsOneLineNamingIt(text: String, problem: String) throws {
        let path = NSTemporaryDirectory() + "digits-bad-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: Network2JSONError.self) { try Network2JSON.read(from: path, inputs: 784, outputs: 10) }
        #expect(error.description == "not a network2.py network: \(problem) (\(path))")
    }

    @Test func network2ShapesAndValuesAreCheckedOneByOne() throws {
        // Built from the tiny fixture, with one change each.
        let good = try JSONSerialization.jsonObject(with: Data(try Self.fixture("tiny.json"))) as! [String: Any]
        func problem(_ change: (inout [String: Any]) -> Void) throws -> String {
            var object = good
            change(&object)
            let path = NSTemporaryDirectory() + "digits-changed-\(UUID().uuidString).json"
            defer { try? FileManager.default.removeItem(atPath: path) }
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
            do {
                _ = try Network2JSON.read(from: path, inputs: 784, outputs: 10)
                return "read"
            } catch let error as Network2JSONError {
                return error.problem
            }
        }
        #expect(try problem { _ in } == "read")
        #expect(try problem { o in
            var w = o["weights"] as! [[[Double]]]
            w[0][2].removeLast()
            o["weights"] = w
        } == "weights[0][2] has 783 numbers; sizes[0] is 784")
        #expect(try problem { o in
            var b = o["biases"] as! [[[Double]]]
            b[1][4] = [1, 2]
            o["biases"] = b
        } == "biases[1][4] has 2 numbers; a bias is a list of one")
        #expect(try problem { o in
            var b = o["biases"] as! [[[Double]]]
            b[1].removeLast()
            o["biases"] = b
        } == "biases[1] has 9 rows; sizes[2] is 10")
        #expect(try problem { o in
            var w = o["weights"] as! [[[Double]]]
            w[1][0][0] = 1e39
            o["weights"] = w
        } == "layer 2 has a weight or bias too large for float32")
    }

    @Test func anOversizedNetwork2FileIsRefusedUnread() throws {
        let path = NSTemporaryDirectory() + "digits-huge-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #require(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: UInt64(Network2JSON.maximumFileSize + 1))
        try handle.close()
        let error = try #require(throws: FileError.self) { try Network2JSON.read(from: path, inputs: 784, outputs: 10) }
        #expect(error.problem == .tooLarge(bytes: Network2JSON.maximumFileSize + 1, limit: Network2JSON.maximumFileSize))
    }
}

/// A convolutional network in ONNX and safetensors: each layer kind as it exports itself. Tests/Export/export_test.py
/// runs the shipped convnet's files in onnxruntime and in numpy as PyTorch's layers.
@Suite struct LayeredExportTests {
    static func convnet() throws -> TrainedModel {
        try ModelFileTests.layeredModel()  // 1x28x28-2C5-MP4-D0.5-6N-10N, ReLU, softmax
    }

    @Test func onnxWritesEachKindAsItsOperators() throws {
        let model = try Self.convnet()
        #expect(ExportFormat.onnx.problem(with: model) == nil)
        let text = String(decoding: ExportFormat.onnx.encode(model), as: UTF8.self)
        for part in ["Conv", "Relu", "MaxPool", "kernel_shape", "strides", "Flatten", "Gemm", "transB", "Softmax",
                     "layers.0.weight", "layers.0.bias", "layers.4.weight", "layers.6.bias", "1x28x28-2C5-MP4-D0.5-6N-10N"] {
            #expect(text.contains(part), "no \(part)")
        }
        // Dropout acts only in training; the stack's layers 1 (ReLU), 2 (pooling), 3 (dropout) have no tensors.
        #expect(!text.contains("Dropout") && !text.contains("Sigmoid") && !text.contains("layers.3.weight"))
    }

    @Test func safetensorsHoldEachTensorInPyTorchsShape() throws {
        let model = try Self.convnet()
        guard case .layered(let stack) = model.network else { return }
        let bytes = ExportFormat.safetensors.encode(model)
        let headerLength = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * $1.offset) })
        let header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<8 + headerLength])) as? [String: Any])
        let shapes = header.compactMapValues { ($0 as? [String: Any])?["shape"] as? [Int] }
        #expect(shapes == ["layers.0.weight": [2, 1, 5, 5], "layers.0.bias": [2], "layers.4.weight": [6, 72],
                           "layers.4.bias": [6], "layers.6.weight": [10, 6], "layers.6.bias": [10]])
        // The tensors, in the header's order, are the stack's parameters in theirs: the data is the parameters.
        let data = bytes[(8 + headerLength)...]
        #expect(Array(data) == littleEndianBytes(stack.parameters))
    }
}
