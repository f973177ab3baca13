import DigitsCore
import Foundation

/// Where digits finds what it ships with, the trained model and the MNIST files, from whatever folder it is
/// started in.
///
/// A flag names a file outright; without one, an environment variable does; without that, the first *home* that
/// holds it, in this order:
/// 1. `PREFIX/share/digits`, beside an installed binary `PREFIX/bin/digits` (what `scripts/install` lays out);
/// 2. the clone that the running binary lies in (`CLONE/.build/…/digits`, as `swift run` and `swift build` leave it);
/// 3. the clone the binary was built from, wherever the binary has been copied since.
///
/// A home holds the shipped models (`models/best.model`, …, `mlp.model`: `shippedModels`) and `data/mnist/`,
/// as a clone does. Paths inside the current folder are shown
/// relative to it, so that a run from the clone's root reads as it always has.
enum Home {
    static let modelVariable = "DIGITS_MODEL"
    static let dataVariable = "DIGITS_DATA"
    /// The shipped committee, their scores averaged: three networks of `--preset best` and three of `--preset deep`
    /// (seeds 1, 2 and 3 of each), and the MLP of `--preset mlp`, which errs on other digits than they do.
    static let shippedModels = ["models/best.model", "models/best-seed2.model", "models/best-seed3.model",
                                "models/deep.model", "models/deep-seed2.model", "models/deep-seed3.model", "models/mlp.model"]
    /// The shipped committee's first member: the one network, for what takes one model (export).
    static let shippedModel = shippedModels[0]
    static let mnist = "data/mnist"

    /// The homes, in the order they are searched; the same folder is listed once.
    static var candidates: [String] {
        var homes = [String]()
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            let bin = executable.deletingLastPathComponent()
            if bin.lastPathComponent == "bin" {
                homes.append(bin.deletingLastPathComponent().appendingPathComponent("share/digits").path)
            }
            if let clone = enclosingClone(of: bin) { homes.append(clone) }
        }
        // This file is CLONE/Sources/digits/Home.swift.
        let builtFrom = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        homes.append(builtFrom.path)
        var seen = Set<String>()
        return homes.map { URL(fileURLWithPath: $0).standardizedFileURL.path }.filter { seen.insert($0).inserted }
    }

    /// The nearest folder at or above `folder` that is a clone of digits: one with Package.swift and Sources/digits.
    private static func enclosingClone(of folder: URL) -> String? {
        var folder = folder.standardizedFileURL
        while true {
            let manager = FileManager.default
            if manager.fileExists(atPath: folder.appendingPathComponent("Package.swift").path),
               manager.fileExists(atPath: folder.appendingPathComponent("Sources/digits").path) {
                return folder.path
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return nil }
            folder = parent
        }
    }

    /// The models to use: `flags` (several are a committee), else `$DIGITS_MODEL`, else the first home's shipped
    /// committee.
    static func models(_ flags: [String]) throws -> [String] {
        if !flags.isEmpty { return flags }
        if let variable = environment(modelVariable) { return [variable] }
        return try shipped(shippedModels)
    }

    /// The one model to use: `flag`, else `$DIGITS_MODEL`, else the first home's `models/best.model`.
    static func model(_ flag: String?) throws -> String {
        if let flag { return flag }
        if let variable = environment(modelVariable) { return variable }
        return try shipped([shippedModel])[0]
    }

    /// `files` in the first home that holds them all.
    private static func shipped(_ files: [String]) throws -> [String] {
        let looked = candidates
        let holds = { (home: String) in files.allSatisfy { FileManager.default.fileExists(atPath: home + "/" + $0) } }
        guard let home = looked.first(where: holds) else {
            throw LookupError(message: "no shipped model: looked for \(files.joined(separator: ", ")) in \(list(looked)); "
                + "give --model FILE (or set \(modelVariable))")
        }
        return files.map { shown(home + "/" + $0) }
    }

    /// The MNIST folder to use: `flag`, else `$DIGITS_DATA`, else the first home's `data/mnist` holding `parts`.
    static func data(_ flag: String?, for parts: [MNIST.Part]) throws -> String {
        if let flag { return flag }
        if let variable = environment(dataVariable) { return variable }
        let looked = candidates
        if let home = looked.first(where: { holds(parts, in: $0 + "/" + mnist) }) { return shown(home + "/" + mnist) }
        let files = parts.flatMap { [$0.imagesFileName, $0.labelsFileName] }.map { $0 + "[.gz]" }
        throw LookupError(message: "no MNIST files (\(files.joined(separator: ", "))) in "
            + "\(list(looked.map { $0 + "/" + mnist })); give --data DIR (or set \(dataVariable))")
    }

    /// The MNIST test images, for what only gains from them (the page's report, an imported model's accuracy):
    /// `flag` or `$DIGITS_DATA` must load, but a default that finds nothing is a warning that `without` follows.
    static func testImages(_ flag: String?, without: String) throws -> LabeledImages? {
        do {
            return try MNIST.load(.test, from: try data(flag, for: [.test]))
        } catch let error as LookupError {
            FileHandle.standardError.write(Data("warning: \(error); \(without)\n".utf8))
            return nil
        }
    }

    /// What `--help` says of the `--model` default of a command that takes a committee: the rule, and what it finds now.
    static var modelsDefault: String {
        "$\(modelVariable), else the shipped committee of \(shippedModels.count) networks, their scores averaged"
            + found(try? models([]).joined(separator: " + "))
    }

    /// What `--help` says of the `--model` default of a command that takes one model.
    static var modelDefault: String {
        "$\(modelVariable), else the shipped model" + found(try? model(nil))
    }

    /// What `--help` says of the `--data` default: the rule, and what it finds now.
    static func dataDefault(for parts: [MNIST.Part]) -> String {
        "$\(dataVariable), else the MNIST files of digits" + found(try? data(nil, for: parts))
    }

    /// True while swift-argument-parser's manual generator reads the help: the manual states the rule, not what
    /// it finds on the machine it was made on.
    static let describingOnly = CommandLine.arguments.contains("--experimental-dump-help")

    private static func found(_ path: String?) -> String {
        describingOnly ? "" : "; now " + (path ?? "none found (see digits --help)")
    }

    private static func holds(_ parts: [MNIST.Part], in folder: String) -> Bool {
        parts.flatMap { [$0.imagesFileName, $0.labelsFileName] }.allSatisfy { name in
            [name, name + ".gz"].contains { FileManager.default.fileExists(atPath: folder + "/" + $0) }
        }
    }

    private static func environment(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// `path` relative to the current folder when it lies inside it, else as it is.
    private static func shown(_ path: String) -> String {
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL
            .resolvingSymlinksInPath().path
        let path = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        return path.hasPrefix(here + "/") ? String(path.dropFirst(here.count + 1)) : path
    }

    private static func list(_ folders: [String]) -> String {
        folders.isEmpty ? "no folder" : folders.joined(separator: ", ")
    }
}

struct LookupError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
