"""RECORDS IN: employee records files → `Source` items → typed values, in the order data flows.

- source.py      what every reader yields and raises: Source, BadCell, PercentCell, RecordsError
- read.py        the reader registry (READERS, FORMATS, EXTENSIONS) and `read_records`
- csv_reader.py, json_reader.py, yaml_reader.py   one reader a format
- ranges.py      a CSV or JSONL file cut in byte ranges that worker processes read (`--jobs N`)
- xlsx_fast.py   .xlsx through python-calamine when a scan shows it reads every cell alike;
  xlsx.py (openpyxl) otherwise; both hand rows to sheet.py (header, title block, cell
  references, notes); xlsx_guard.py and xlsx_strings.py keep a hostile workbook bounded
- headers.py     a file's column headers → the policy's fields, reported once
- mapping.py     column mappings (*.map.yaml): renames, value translations, constants
- units.py, org_predikat.py   the units file and the organisation predikat given at run time
- coerce.py      raw values → the types the policy declares, each problem named by field and cell
"""
