/// Renders rows the way lxc does (olekukonko/tablewriter with borders): headers
/// centred, cells left-aligned, `+---+` separators. Also CSV (RFC 4180 quoting).
enum Table {
    static func render(headers: [String], rows: [[String]]) -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        let separator = "+" + widths.map { String(repeating: "-", count: $0 + 2) + "+" }.joined() + "\n"
        func line(_ cells: [String], centred: Bool) -> String {
            var s = "|"
            for (i, w) in widths.enumerated() {
                let cell = i < cells.count ? cells[i] : ""
                let pad = w - cell.count
                if centred {
                    let left = pad / 2  // tablewriter: floor(gap/2) on the left
                    s += " " + String(repeating: " ", count: left) + cell + String(repeating: " ", count: pad - left) + " |"
                } else {
                    s += " " + cell + String(repeating: " ", count: pad) + " |"
                }
            }
            return s + "\n"
        }
        // lxc sets tablewriter's RowLine: a separator under every row.
        var out = separator + line(headers, centred: true) + separator
        for row in rows { out += line(row, centred: false) + separator }
        return out
    }

    /// Rows in a tabular `format` (csv, compact, else the bordered table).
    static func text(_ format: OutputFormat, headers: [String], rows: [[String]]) -> String {
        switch format {
        case .csv: return csv(rows: rows)
        case .compact: return compact(headers: headers, rows: rows)
        default: return render(headers: headers, rows: rows)
        }
    }

    static func csv(rows: [[String]]) -> String {
        var out = ""
        for row in rows {
            out += row.map { cell -> String in
                if cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                    return "\"" + cell.replacingAll("\"", with: "\"\"") + "\""
                }
                return cell
            }.joined(separator: ",") + "\n"
        }
        return out
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

enum OutputFormat: String, CaseIterable {
    case table, csv, json, yaml, compact
}

import ArgumentParser
extension OutputFormat: ExpressibleByArgument {}
