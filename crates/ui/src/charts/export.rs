//! Aggregations out of dscope: CSV and JSON of the data, PNG of a chart as
//! drawn on screen.

use crate::model::csv::{key_field, push_line};
use crate::model::latency;
use crate::model::units::Unit;
use crate::model::{Aggregation, Value};

/// What a file is exported as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
    Png,
    /// The console's text.
    Console,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::Png => "png",
            ExportFormat::Console => "txt",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ExportFormat::Csv => "Export aggregation as CSV",
            ExportFormat::Json => "Export aggregation as JSON",
            ExportFormat::Png => "Export chart as PNG",
            ExportFormat::Console => "Save console output",
        }
    }
}

/// What Over time shows, as CSV: a line per key and point, its time in
/// seconds from the start, the value plotted (a rate, a value or a
/// percentile's bucket middle, as the y axis says) and, for the key with a
/// band, the baseline's normal range there.
pub fn over_time_csv(model: &super::timeline::TimelineModel) -> String {
    let mut out = String::new();
    // The numbers stay exact; the header says what they are in.
    let values = match model.unit {
        Unit::Number => model.y_label.clone(),
        unit => format!("{} ({})", model.y_label, unit.id()),
    };
    let header = ["t", "key", values.as_str(), "normal_low", "normal_high"];
    push_line(&mut out, header.into_iter());
    for line in &model.lines {
        let band = model.band.as_ref().filter(|b| b.of == line.label);
        for &(t, value) in &line.points {
            let Some(v) = value else { continue };
            let normal = band.and_then(|b| b.points.iter().find(|p| p.0 == t));
            let fields = [
                t.to_string(),
                line.label.clone(),
                v.to_string(),
                normal.map(|n| n.1.to_string()).unwrap_or_default(),
                normal.map(|n| n.2.to_string()).unwrap_or_default(),
            ];
            push_line(&mut out, fields.iter().map(String::as_str));
        }
    }
    out
}

/// What Over time shows, as JSON: what the values are and each key's
/// points (`null` where the key had none).
pub fn over_time_json(model: &super::timeline::TimelineModel) -> String {
    let lines: Vec<serde_json::Value> = model
        .lines
        .iter()
        .map(|l| serde_json::json!({ "key": l.label, "points": l.points }))
        .collect();
    let doc = serde_json::json!({
        "values": model.y_label,
        "unit": model.unit.id(),
        "lines": lines,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// One line per key (numbers) or per key and bucket (distributions), with
/// a header. Key parts get a column each; buckets carry their label and
/// their inclusive range (empty where open-ended). The numbers are
/// dtrace's, exact; a column in `unit` says so in its name (`min_ns`,
/// `sum_bytes`), so a spreadsheet reads them right.
pub fn csv(agg: &Aggregation, unit: Unit) -> String {
    let unit = unit.of_values(agg.function);
    let parts = agg.rows.first().map_or(0, |r| r.key.len());
    let mut out = String::new();
    let mut header: Vec<String> = match parts {
        0 => Vec::new(),
        1 => vec!["key".into()],
        n => (1..=n).map(|i| format!("key{i}")).collect(),
    };
    let in_unit = |name: &str| match unit {
        Unit::Number => name.to_owned(),
        unit => format!("{name}_{}", unit.id()),
    };
    if agg.function.is_distribution() {
        header.extend([
            "bucket".into(),
            in_unit("min"),
            in_unit("max"),
            "count".into(),
        ]);
    } else {
        header.push(in_unit(agg.function.name()));
    }
    push_line(&mut out, header.iter().map(String::as_str));
    for row in &agg.rows {
        let key: Vec<String> = row.key.iter().map(key_field).collect();
        match &row.value {
            Value::Number(n) => {
                let n = n.to_string();
                push_line(&mut out, key.iter().map(String::as_str).chain([n.as_str()]));
            }
            Value::Buckets(buckets) => {
                let bucket_rows = buckets.iter().map(|b| {
                    [
                        b.label.clone(),
                        b.min.map(|v| v.to_string()).unwrap_or_default(),
                        b.max.map(|v| v.to_string()).unwrap_or_default(),
                        b.count.to_string(),
                    ]
                });
                // Then p50, p90, p99, max and mean, estimated from them.
                for fields in bucket_rows.chain(latency::csv_rows(buckets)) {
                    push_line(
                        &mut out,
                        key.iter()
                            .map(String::as_str)
                            .chain(fields.iter().map(String::as_str)),
                    );
                }
            }
        }
    }
    out
}

/// The aggregation as `dscope run --format json` writes each one, its
/// `unit` (what its values are: `ns`, `us`, `ms`, `bytes` or `number`),
/// and for a distribution each row's estimated `mean` and `percentiles`
/// (the bucket range, `[low, high]`, of p50, p90, p99 and the largest
/// value).
pub fn json(agg: &Aggregation, unit: Unit) -> String {
    let mut doc = serde_json::to_value(agg).unwrap_or_default();
    if let Some(fields) = doc.as_object_mut() {
        let unit = unit.of_values(agg.function);
        fields.insert("unit".into(), serde_json::json!(unit.id()));
    }
    if let Some(rows) = doc.get_mut("rows").and_then(|r| r.as_array_mut()) {
        for (json, row) in rows.iter_mut().zip(&agg.rows) {
            let Some(summary) = latency::summary(row.value.buckets()) else {
                continue;
            };
            if let Some(fields) = json.as_object_mut() {
                fields.insert("mean".into(), serde_json::json!(summary.mean));
                fields.insert(
                    "percentiles".into(),
                    serde_json::json!(summary.percentiles()),
                );
            }
        }
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The part of a screenshot inside `rect` (in points), as PNG bytes.
pub fn png(
    image: &egui::ColorImage,
    rect: egui::Rect,
    pixels_per_point: f32,
) -> Result<Vec<u8>, String> {
    let ppp = pixels_per_point.max(0.01);
    let whole = egui::Rect::from_min_size(
        egui::Pos2::ZERO,
        egui::vec2(image.size[0] as f32, image.size[1] as f32) / ppp,
    );
    let rect = rect.intersect(whole);
    if !rect.is_positive() {
        return Err("the chart is not on screen".into());
    }
    let region = image.region(&rect, Some(ppp));
    let [w, h] = region.size;
    if w == 0 || h == 0 {
        return Err("the chart is not on screen".into());
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, w as u32, h as u32);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer
        .write_image_data(region.as_raw())
        .map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::fixtures::{lquantize, numbers};
    use crate::model::{AggFunction, KeyPart, Row};

    #[test]
    fn over_time_exports_what_it_plots_with_the_band() {
        use crate::charts::timeline::{BandLine, TimelineModel, TimelineOptions};
        let mut h = crate::history::History::default();
        h.push(
            1.0,
            &crate::model::fixtures::counts(&[("a", 10), ("b, c", 2)]),
        );
        h.push(
            2.0,
            &crate::model::fixtures::counts(&[("a", 30), ("b, c", 4)]),
        );
        let mut m = TimelineModel::build(h.get("n").unwrap(), &TimelineOptions::default(), None);
        m.band = Some(BandLine {
            of: "a".into(),
            points: vec![(2.0, 15.0, 25.0)],
            out: Vec::new(),
            summary: String::new(),
        });
        let text = over_time_csv(&m);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "t,key,count per second,normal_low,normal_high");
        assert!(lines.contains(&"2,a,20,15,25"), "{text}");
        assert!(lines.contains(&"1,a,10,,"), "{text}");
        assert!(lines.contains(&"2,\"b, c\",2,,"), "{text}");
        let doc: serde_json::Value = serde_json::from_str(&over_time_json(&m)).unwrap();
        assert_eq!(doc["values"], "count per second");
        assert_eq!(doc["lines"][0]["key"], "a");
    }

    #[test]
    fn csv_has_a_header_and_a_row_per_key_quoting_where_needed() {
        let mut agg = numbers(AggFunction::Count, &[("read", 5), ("a,\"b\"", 2)]);
        agg.rows.push(Row {
            key: vec![KeyPart::Stack(vec!["k`f+0x1".into(), "k`g+0x2".into()])],
            value: Value::Number(1),
        });
        assert_eq!(
            csv(&agg, Unit::Number),
            "key,count\r\n\"a,\"\"b\"\"\",2\r\nread,5\r\n\"k`f+0x1\nk`g+0x2\",1\r\n"
        );
    }

    #[test]
    fn csv_of_a_distribution_has_a_row_per_bucket_with_its_range() {
        let agg = lquantize(&[("sshd", &[(-1, 3), (0, 7)])]);
        // Then p50, p90, p99 and max as bucket ranges, and the mean from
        // the buckets' middles: (3 × -1 + 7 × 4.5) / 10.
        assert_eq!(
            csv(&agg, Unit::Number),
            "key,bucket,min,max,count\r\nsshd,< 0,,-1,3\r\nsshd,0,0,9,7\r\n\
             sshd,p50,0,9,\r\nsshd,p90,0,9,\r\nsshd,p99,0,9,\r\nsshd,max,0,9,\r\n\
             sshd,mean,,,2.9\r\n"
        );
    }

    #[test]
    fn json_of_a_distribution_has_each_keys_percentiles() {
        let agg = lquantize(&[("sshd", &[(-1, 3), (0, 7)])]);
        let doc: serde_json::Value = serde_json::from_str(&json(&agg, Unit::Number)).unwrap();
        let row = &doc["rows"][0];
        assert_eq!(row["percentiles"]["p50"], serde_json::json!([0, 9]));
        assert_eq!(row["percentiles"]["max"], serde_json::json!([0, 9]));
        assert_eq!(row["mean"], serde_json::json!(2.85));
        // Still the aggregation as `dscope run` writes it, with more.
        let back: Aggregation = serde_json::from_str(&json(&agg, Unit::Number)).unwrap();
        assert_eq!(back, agg);
    }

    #[test]
    fn the_unit_chosen_names_the_columns_and_the_json() {
        let agg = lquantize(&[("sshd", &[(-1, 3), (0, 7)])]);
        let text = csv(&agg, Unit::Nanoseconds);
        assert!(text.starts_with("key,bucket,min_ns,max_ns,count\r\nsshd,< 0,,-1,3\r\n"));
        let doc: serde_json::Value = serde_json::from_str(&json(&agg, Unit::Microseconds)).unwrap();
        assert_eq!(doc["unit"], "us");
        let sum = numbers(AggFunction::Sum, &[("x", 4096)]);
        assert_eq!(csv(&sum, Unit::Bytes), "key,sum_bytes\r\nx,4096\r\n");
        // A count counts events, whatever the traced value was.
        let count = numbers(AggFunction::Count, &[("x", 3)]);
        assert_eq!(csv(&count, Unit::Bytes), "key,count\r\nx,3\r\n");
        let doc: serde_json::Value = serde_json::from_str(&json(&count, Unit::Bytes)).unwrap();
        assert_eq!(doc["unit"], "number");
    }

    #[test]
    fn json_is_the_aggregation_as_run_reports_it() {
        let agg = numbers(AggFunction::Sum, &[("x", 3)]);
        let back: Aggregation = serde_json::from_str(&json(&agg, Unit::Number)).unwrap();
        assert_eq!(back, agg);
    }

    #[test]
    fn png_is_the_chart_region_of_the_screenshot() {
        let mut image = egui::ColorImage::filled([40, 20], egui::Color32::BLACK);
        image[(30, 10)] = egui::Color32::RED;
        // Points at 2 pixels per point: the region 10..20 x 0..10 points.
        let rect = egui::Rect::from_min_max(egui::pos2(10.0, 0.0), egui::pos2(20.0, 10.0));
        let bytes = png(&image, rect, 2.0).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (20, 20));
        let at = |x: usize, y: usize| &buf[(y * 20 + x) * 4..(y * 20 + x) * 4 + 4];
        assert_eq!(at(10, 10), [255, 0, 0, 255]);
        assert_eq!(at(0, 0), [0, 0, 0, 255]);
        // A rectangle off the image is an error, not a panic.
        let off = egui::Rect::from_min_max(egui::pos2(100.0, 0.0), egui::pos2(120.0, 5.0));
        assert!(png(&image, off, 2.0).is_err());
    }
}
