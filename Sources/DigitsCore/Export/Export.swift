import Foundation

/// A trained model in a format that other tools read: `digits export`.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// ONNX (onnxruntime, OpenCV's dnn, onnxruntime-web): ONNXFile.
    case onnx
    /// safetensors (PyTorch, Hugging Face): SafetensorsFile.
    case safetensors
    /// The JSON of network2.py, Nielsen's chapter-3 code: Network2JSON.
    case network2

    /// Why `model` cannot be written in this format, or nil when it can.
    public func problem(with model: TrainedModel) -> String? {
        let network = model.network
        switch self {
        case .onnx, .safetensors:
            return network.inputCount == DigitPreparation.side * DigitPreparation.side
                ? nil : "the network takes \(network.inputCount) inputs, not 28×28 pixels"
        case .network2:
            return Network2JSON.problem(with: model)
        }
    }

    /// The bytes of `model` in this format; `problem(with:)` must be nil.
    public func encode(_ model: TrainedModel) -> [UInt8] {
        switch self {
        case .onnx: ONNXFile.encode(model, metadata: Self.metadata(of: model))
        case .safetensors: SafetensorsFile.encode(model, metadata: Self.metadata(of: model))
        case .network2: Network2JSON.encode(model)
        }
    }

    /// Writes `model` to `path` atomically (as model files are written), or throws `ExportError` when the format
    /// cannot hold it, before touching the file.
    public func write(_ model: TrainedModel, to path: String) throws {
        if let problem = problem(with: model) { throw ExportError(format: self, problem: problem) }
        try AtomicFile.write(encode(model), to: path)
    }

    /// The training record as strings, for ONNX's metadata_props and safetensors' __metadata__.
    public static func metadata(of model: TrainedModel) -> [(key: String, value: String)] {
        let record = model.record
        let settings = record.settings
        var plain = settings
        plain.seed = 1
        let preset = TrainingSettings.presets.first { $0.settings == plain }?.name ?? "none (settings of its own)"
        var entries: [(key: String, value: String)] = [
            ("producer", "digits"),
            ("architecture", architecture(of: model.network)),
            ("activations", activations(of: model.network)),
            ("input", "[N, 1, 28, 28] float32, pixels v/255: 0 paper, 1 ink, digit centred by mass as in MNIST"),
            ("preset", preset),
            ("seed", "\(settings.seed)"),
            ("cost", settings.cost.name),
            ("epochs_run", "\(record.epochsRun)"),
            ("best_epoch", "\(record.bestEpoch)"),
            ("trained_at", ISO8601DateFormatter().string(from: record.trainedAt)),
        ]
        if let accuracy = record.testAccuracy {
            entries.append(("test_accuracy", String(format: "%.4f", accuracy)))
            entries.append(("test_correct", "\(record.testCorrect)/\(record.testTotal)"))
        }
        return entries
    }
}

/// `784,30,10` for a dense network, the notation (`1x28x28-20C5-MP2-…`) for others.
private func architecture(of network: TrainedNetwork) -> String {
    switch network {
    case .dense(let network): network.sizes.map(String.init).joined(separator: ",")
    case .layered(let stack): stack.architecture.description
    }
}

/// Each dense layer's activation; for other networks, the hidden layers' and the output's.
private func activations(of network: TrainedNetwork) -> String {
    switch network {
    case .dense(let network): network.layers.map(\.activation.name).joined(separator: ",")
    case .layered(let stack): "\(stack.hiddenActivation.name),\(stack.outputActivation.name)"
    }
}

public struct ExportError: Error, CustomStringConvertible {
    public let format: ExportFormat
    public let problem: String
    public var description: String { "cannot export as \(format.rawValue): \(problem)" }
}
