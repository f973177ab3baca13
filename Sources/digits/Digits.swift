import ArgumentParser
import CNativeFeatures

@main
struct Digits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digits",
        abstract: "Learns to read handwritten digits: Nielsen's neural network, trained on MNIST.",
        discussion: """
            `digits predict FILE.png` reads the digits in a picture with the shipped models; `digits evaluate` \
            measures them. `digits train` trains Nielsen's network in a second or two and saves models/digits.model \
            in the current folder; `digits train --preset best` (or deep) trains the shipped models' recipes; `digits serve` \
            opens a page to draw on; `digits export` writes a model as ONNX, safetensors or network2.py's JSON, \
            and `digits import` reads network2.py's JSON. Every command takes --help.

            digits runs from any folder. Without --model it uses $\(Home.modelVariable), else the shipped \
            committee of \(Home.shippedModels.count) networks, their scores averaged (\(Home.shippedModels.joined(separator: ", ")); \
            export takes the first); without --data, $\(Home.dataVariable), else the MNIST files (\(Home.mnist)). Both \
            are looked for in PREFIX/share/digits beside an installed PREFIX/bin/digits, then in the clone the \
            binary lies in, then in the clone it was built from\(Home.describingOnly ? "" : "; here, " + Home.candidates.joined(separator: ", ")).
            """,
        subcommands: [Train.self, Evaluate.self, Predict.self, Serve.self, Export.self, Import.self]
    )

    /// swift-argument-parser's own main, after the check that this CPU can run this build: a release build uses
    /// every instruction set of the CPU it was built on (Package.swift), and a copy on an older CPU would otherwise
    /// die of an illegal instruction in its first kernel.
    static func main() async {
        digits_refuse_unsupported_cpu()
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
