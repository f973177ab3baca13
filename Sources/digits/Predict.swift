import ArgumentParser
import DigitsCore
import Foundation

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read handwritten digits from PNG and JPEG pictures.",
        discussion: """
            Each picture is prepared the way MNIST's digits were (ink found and separated from the paper, the \
            digit scaled into a 20×20 box and centred by mass in 28×28) and given to the network. Any PNG or \
            JPEG works, told apart by its content, not its name: drawn, scanned or photographed, dark on light or \
            light on dark, transparent or not; a photo is turned upright by its EXIF orientation first. A folder \
            stands for every .png, .jpg and .jpeg file in it, and - for one picture read from standard input. A \
            file that cannot be read is reported and the others go on; the exit status is then 1.
            """
    )

    @Argument(help: ArgumentHelp("PNG or JPEG files, folders of them, or - for standard input.", valueName: "file"))
    var files: [String]

    @Option(help: "The model to use: the shipped one unless told otherwise (`digits train` saves models/digits.model).")
    var model = shippedModel

    @Flag(help: "Print one JSON object per file and line: {\"file\", \"model\", \"digit\", \"scores\"} or {\"file\", \"error\"}.")
    var json = false

    @Flag(help: "Draw the 28×28 image the network saw.")
    var show = false

    @Option(help: "How many of the best-scoring digits to print.")
    var top = 1

    @Option(help: ArgumentHelp("Save the 28×28 images the network saw as PNGs in this folder.", valueName: "folder"))
    var savePreprocessed: String?

    @Option(help: "Refuse pictures with more pixels than this.")
    var maxPixels = PictureFile.defaultPixelLimit

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one PNG or JPEG file or folder, or -") }
        guard files.count(where: { $0 == Self.standardInput }) <= 1 else {
            throw ValidationError("- (standard input) may be given once")
        }
        guard (1...10).contains(top) else { throw ValidationError("--top must be 1 to 10, not \(top)") }
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive, not \(maxPixels)") }
    }

    func run() throws {
        let trained = try ModelFile.read(from: model, inputs: DigitPreparation.side * DigitPreparation.side,
                                         outputs: MNIST.classCount)
        let network = trained.network
        if !json {
            print("model \(model)" + (trained.record.testAccuracy.map { " (test accuracy \(percent($0)))" } ?? ""))
        }
        if let folder = savePreprocessed {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        var failed = false
        for entry in expand(files) {
            switch entry {
            case .failure(let error):
                report(file: error.path, error: error.description)
                failed = true
            case .success(let path):
                do {
                    try predict(path, with: network)
                } catch {
                    report(file: path, error: "\(error)")
                    failed = true
                }
            }
        }
        if failed { throw ExitCode.failure }
    }

    private func predict(_ path: String, with network: Network) throws {
        let image = path == Self.standardInput
            ? try PictureFile.read(from: .standardInput, name: PictureFile.standardInputName, pixelLimit: maxPixels,
                                   minimumSide: DigitPreparation.workingSide)
            : try PictureFile.read(from: path, pixelLimit: maxPixels, minimumSide: DigitPreparation.workingSide)
        let prepared: PreparedDigit
        do {
            prepared = try DigitPreparation.prepare(image)
        } catch {
            throw PathError(path: path, message: error.description)
        }
        let scores = network.feedForward(prepared.networkInput)
        let ranked = scores.indices.sorted { scores[$0] > scores[$1] }
        if let folder = savePreprocessed {
            let stem = path == Self.standardInput
                ? "stdin" : URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            let name = stem + ".28x28.png"
            try PNGFile.writeGray(prepared.pixels, width: DigitPreparation.side, height: DigitPreparation.side,
                                  to: folder + "/" + name)
        }
        if json {
            printJSON(PredictionLine(file: path, model: model, digit: ranked[0], scores: scores))
        } else {
            let best = ranked.prefix(top).map { "\($0) (score \(String(format: "%.3f", scores[$0])))" }
            print("\(path): " + best.joined(separator: ", "))
        }
        if show { print(drawing(of: prepared.pixels)) }
    }

    private func report(file: String, error: String) {
        if json {
            printJSON(ErrorLine(file: file, error: error))
        } else {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
        }
    }

    /// The argument that stands for standard input.
    static let standardInput = "-"

    /// Files as given, folders as the pictures in them (by extension, sorted), or an error for a path that is
    /// neither; `-` stays itself.
    private func expand(_ arguments: [String]) -> [Result<String, FileError>] {
        arguments.flatMap { argument -> [Result<String, FileError>] in
            if argument == Self.standardInput { return [.success(argument)] }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                return [.failure(FileError(path: argument, problem: .missing))]
            }
            guard isDirectory.boolValue else { return [.success(argument)] }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
            let pictures = names.filter(PictureFile.hasPictureExtension).sorted()
            guard !pictures.isEmpty else { return [.failure(FileError(path: argument, problem: .noPictureInFolder))] }
            let folder = argument.hasSuffix("/") ? argument : argument + "/"
            return pictures.map { .success(folder + $0) }
        }
    }
}

/// A 28×28 image as text: two characters per pixel, darker to lighter ink.
func drawing(of pixels: [UInt8]) -> String {
    let shades: [Character] = [" ", "░", "▒", "▓", "█"]
    let side = DigitPreparation.side
    let rows = (0..<side).map { y in
        String((0..<side).flatMap { x -> [Character] in
            let shade = shades[(Int(pixels[y * side + x]) * (shades.count - 1) + 127) / 255]
            return [shade, shade]
        })
    }
    let border = "+" + String(repeating: "-", count: 2 * side) + "+"
    return ([border] + rows.map { "|" + $0 + "|" } + [border]).joined(separator: "\n")
}

/// An error about a file that carries no path of its own.
struct PathError: Error, CustomStringConvertible {
    let path: String
    let message: String
    var description: String { "\(message) (\(path))" }
}

private struct PredictionLine: Encodable {
    let file: String
    let model: String
    let digit: Int
    let scores: [Float]
}

private struct ErrorLine: Encodable {
    let file: String
    let error: String
}

private func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    // Encoding strings, integers and finite floats cannot fail.
    print(String(decoding: try! encoder.encode(value), as: UTF8.self))
}
