import ArgumentParser
import DigitsCore
import Foundation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model in a format other tools read: ONNX, safetensors, or network2.py's JSON.",
        discussion: """
            onnx: one input "input", float32 [N, 1, 28, 28] (pixels v/255, as --save-preprocessed's PNGs divided \
            by 255), one output "scores", float32 [N, 10]; IR version \(ONNXFile.irVersion), opset \
            \(ONNXFile.opsetVersion); the training record in its metadata. safetensors: layers.0.weight [out, in], \
            layers.0.bias [out], …, float32, the architecture and training record in __metadata__. network2: the \
            JSON that network2.py of Nielsen's chapter 3 loads (sigmoid networks with the quadratic or \
            cross-entropy cost only). The file is written whole or not at all.
            """
    )

    @Option(help: ArgumentHelp("The model to export. Default: \(Home.modelDefault).", valueName: "file"))
    var model: String?

    @Option(help: "onnx, safetensors or network2.")
    var format: ExportFormat

    @Option(help: ArgumentHelp("Where to write it.", valueName: "file"))
    var output: String

    func run() throws {
        let model = try Home.model(model)
        let trained = try ModelFile.read(from: model, inputs: DigitPreparation.side * DigitPreparation.side,
                                         outputs: MNIST.classCount)
        if let problem = format.problem(with: trained) {
            // The model is sound; the format cannot hold it: a usage error, as a bad flag is.
            FileHandle.standardError.write(Data("Error: cannot export \(model) as \(format.rawValue): \(problem)\n".utf8))
            throw ExitCode.validationFailure
        }
        try format.write(trained, to: output)
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        print("wrote \(output): \(model) (\(trained.network.architecture)) as \(format.rawValue), \(grouped(size)) bytes")
    }
}

extension ExportFormat: ExpressibleByArgument {}
