"""Everything kinerja writes for people and tools, as registries of writers with one signature
per kind; a command's `--format` choices are a registry's names.

    findings.REPORTERS          (findings, ReportContext) -> text       validate: text, json, github, sarif
    writers.RESULT_FORMATS      Writer(out, outputs, info, **options)   evaluate: table, json, jsonl, csv, xlsx
    results.EXPLANATION_FORMATS (explanations) -> text                  explain: text, json
    compare_out.COMPARE_FORMATS write(comparison, stream, lang)         compare: text, json, markdown, html
    tests_out.TEST_REPORTERS    (TestRun, minimum) -> text              test: text, json, junit, github
    policy_out.SHOW_FORMATS     written(doc) / resolved(resolved)       show: yaml, json
    ekinerja_out.EKINERJA_FORMATS (rows, stream)                        ekinerja: table, csv, json
    library_out.LIBRARY_FORMATS (entries) -> text                       list: text, json
    handbook.FORMATS, render(policy, fmt, lang, version)                doc: html, md

The engine below this package never imports it.
"""
