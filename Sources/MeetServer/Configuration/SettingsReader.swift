import Configuration
import Foundation

/// Reads typed settings and turns a present-but-malformed value into a `ConfigurationError`
/// instead of silently falling back to the default.
struct SettingsReader {
    let config: ConfigReader

    init(_ config: ConfigReader) {
        self.config = config
    }

    func string(_ key: String) -> String? {
        config.string(forKey: ConfigKey(key))
    }

    func strings(_ key: String) -> [String]? {
        config.stringArray(forKey: ConfigKey(key))?.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        let value: Int
        if let number = config.int(forKey: ConfigKey(key)) {
            value = number
        } else if let text = string(key) {
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigurationError("\(Self.describe(key)) must be a whole number, not \"\(text)\"")
            }
            value = number
        } else {
            return nil
        }
        guard range.contains(value) else {
            throw ConfigurationError("\(Self.describe(key)) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
        }
        return value
    }

    /// "https.port" → "DIGITALMEET_HTTPS_PORT (https.port)": the names an operator can search for.
    static func describe(_ key: String) -> String {
        "\(environmentName(key)) (\(key))"
    }

    static func environmentName(_ key: String) -> String {
        var name = "DIGITALMEET"
        for component in key.split(separator: ".") {
            name += "_"
            var previousWasLower = false
            for character in component {
                if character.isUppercase && previousWasLower { name += "_" }
                name += character.uppercased()
                previousWasLower = character.isLowercase || character.isNumber
            }
        }
        return name
    }
}
