use super::lex::{lex, Tok};
use super::*;

fn term(text: &str, position: usize) -> Ast {
    Ast::Term {
        field: None,
        text: text.into(),
        position,
    }
}

#[test]
fn juxtaposition_uses_the_default_operator() {
    let ast = parse("wireless charging", false).unwrap();
    assert_eq!(
        ast,
        Ast::Bool(vec![
            (Occur::Should, term("wireless", 0)),
            (Occur::Should, term("charging", 9))
        ])
    );
    let ast = parse("wireless charging", true).unwrap();
    assert!(matches!(ast, Ast::Bool(ref items) if items.iter().all(|(o, _)| *o == Occur::Must)));
}

#[test]
fn and_binds_tighter_than_or() {
    let ast = parse("a AND b OR c", false).unwrap();
    let Ast::Bool(items) = ast else { panic!() };
    assert_eq!(items.len(), 2);
    assert_eq!(items[1], (Occur::Should, term("c", 11)));
    assert!(
        matches!(&items[0], (Occur::Should, Ast::Bool(inner)) if inner.len() == 2 && inner[0].0 == Occur::Must)
    );
}

#[test]
fn not_minus_and_plus() {
    let ast = parse("battery -lithium +charger NOT solar", false).unwrap();
    let Ast::Bool(items) = ast else { panic!() };
    let occurs: Vec<Occur> = items.iter().map(|(o, _)| *o).collect();
    assert_eq!(
        occurs,
        [Occur::Should, Occur::MustNot, Occur::Must, Occur::MustNot]
    );
    // A hyphen inside a word is part of it.
    assert_eq!(parse("e-mail", false).unwrap(), term("e-mail", 0));
}

#[test]
fn phrases_proximity_and_fields() {
    assert_eq!(
        parse("\"wireless charging\"~5", false).unwrap(),
        Ast::Phrase {
            field: None,
            text: "wireless charging".into(),
            slop: 5,
            position: 0
        }
    );
    assert_eq!(
        parse("title:battery", false).unwrap(),
        Ast::Term {
            field: Some(TextField::Title),
            text: "battery".into(),
            position: 6
        }
    );
    let ast = parse("claims:(\"heat sink\" OR fan)", false).unwrap();
    let Ast::Bool(items) = ast else { panic!() };
    assert!(items.iter().all(|(_, a)| matches!(
        a,
        Ast::Phrase {
            field: Some(TextField::Claims),
            ..
        } | Ast::Term {
            field: Some(TextField::Claims),
            ..
        }
    )));
    assert_eq!(
        parse("cpc:G06F16/245", false).unwrap(),
        Ast::Code {
            scheme: Scheme::Cpc,
            prefix: "G06F16/245".into(),
            position: 4
        }
    );
    // A colon after something that is not a field name is just text.
    assert_eq!(parse("1:2", false).unwrap(), term("1:2", 0));
}

#[test]
fn dates_and_ranges() {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    assert_eq!(
        parse("filed:[2012-01-01 TO 2013-06-30]", false).unwrap(),
        Ast::Dates {
            field: DateField::Filed,
            from: Bound::Included(d(2012, 1, 1)),
            to: Bound::Included(d(2013, 6, 30))
        }
    );
    assert_eq!(
        parse("published:[* TO 2013]", false).unwrap(),
        Ast::Dates {
            field: DateField::Published,
            from: Bound::Unbounded,
            to: Bound::Included(d(2013, 12, 31))
        }
    );
    assert_eq!(
        parse("before:2013-01-01", false).unwrap(),
        Ast::Dates {
            field: DateField::Priority,
            from: Bound::Unbounded,
            to: Bound::Excluded(d(2013, 1, 1))
        }
    );
    assert_eq!(
        parse("after:filing:2012", false).unwrap(),
        Ast::Dates {
            field: DateField::Filed,
            from: Bound::Excluded(d(2012, 12, 31)),
            to: Bound::Unbounded
        }
    );
    assert_eq!(
        parse("filed:2013-02", false).unwrap(),
        Ast::Dates {
            field: DateField::Filed,
            from: Bound::Included(d(2013, 2, 1)),
            to: Bound::Included(d(2013, 2, 28))
        }
    );
}

#[test]
fn errors_say_where_and_why() {
    let cases = [
        ("\"wireless charging", 0, "unclosed quote"),
        ("(battery OR cell", 0, "unclosed `(`"),
        ("battery)", 7, "`)` without a matching `(`"),
        ("battery AND", 8, "AND needs a clause"),
        ("OR battery", 0, "expected a search term before OR"),
        ("titel:battery", 0, "unknown field `titel:`"),
        ("filed:[2013-13-01 TO 2014]", 7, "is not a date"),
        ("filed:[2014 TO 2013]", 7, "range starts after it ends"),
        ("filed:[2012 2013]", 7, "range is written"),
        ("\"a b\"~x", 5, "needs a number"),
        ("title:", 0, "needs a word"),
        ("", 0, "empty query"),
        ("before:yesterday", 7, "is not a date"),
        ("()", 0, "empty parentheses"),
    ];
    for (query, position, message) in cases {
        let e = parse(query, false).expect_err(query);
        assert_eq!(e.position, position, "{query}: {e}");
        assert!(e.message.contains(message), "{query}: {e}");
    }
}

#[test]
fn positions_count_characters_not_bytes() {
    let e = parse("café \"unclosed", false).unwrap_err();
    assert_eq!(e.position, 5);
}
fn depth(ast: &Ast) -> usize {
    match ast {
        Ast::Bool(items) => 1 + items.iter().map(|(_, a)| depth(a)).max().unwrap_or(0),
        _ => 1,
    }
}

#[test]
fn nesting_is_limited_before_the_stack_is() {
    let n = MAX_DEPTH;
    for (open, close) in [("(", ")"), ("-(", ")"), ("NOT (", ")"), ("title:(", ")")] {
        let ok = format!("{}a b{}", open.repeat(n), close.repeat(n));
        assert!(parse(&ok, false).is_ok(), "{open} x {n}");
        let inner = format!("\"a b\" {}", "x ".repeat(3));
        let ok = format!("{}{inner}{}", open.repeat(n), close.repeat(n));
        assert!(parse(&ok, false).is_ok(), "{open} x {n} around a phrase");
        // One level deeper fails at the `(` that opens it; far deeper
        // (the probe: 229 `-(`, the CLI: 10,000 `(`) fails the same way.
        for deeper in [n + 1, 229, 10_000, 50_000] {
            let q = format!("{}\"a b\"{}", open.repeat(deeper), close.repeat(deeper));
            let e = parse(&q, false).expect_err(open);
            assert_eq!(
                e.message,
                format!("the query nests groups deeper than the limit of {MAX_DEPTH}")
            );
            let paren = open.chars().position(|c| c == '(').unwrap();
            assert_eq!(e.position, n * open.chars().count() + paren, "{open}");
            // Unclosed, too.
            assert!(parse(&open.repeat(deeper), false).is_err());
        }
    }
}

#[test]
fn long_chains_are_flat_lists() {
    for (sep, prefix) in [(" ", "-"), (" OR ", ""), (" AND ", "+"), (" ", "NOT ")] {
        let q: Vec<String> = (0..MAX_CLAUSES).map(|i| format!("{prefix}w{i}")).collect();
        let ast = parse(&q.join(sep), false).unwrap();
        assert!(
            depth(&ast) <= 3,
            "{sep:?} {prefix:?}: depth {}",
            depth(&ast)
        );
    }
}

#[test]
fn clauses_are_limited() {
    let words = |n: usize| vec!["w"; n].join(" ");
    assert!(parse(&words(MAX_CLAUSES), false).is_ok());
    let e = parse(&words(MAX_CLAUSES + 1), false).unwrap_err();
    assert_eq!(e.position, MAX_CLAUSES * 2);
    assert!(e.message.contains("more than 1024 clauses"), "{e}");
    // Inside groups and field groups as well.
    let grouped = format!("({}) title:({})", words(600), words(600));
    assert!(parse(&grouped, false)
        .unwrap_err()
        .message
        .contains("clauses"));
}

#[test]
fn long_inputs_parse_or_fail_quickly() {
    let n = 100_000;
    let inputs = [
        "a:".repeat(n / 2),
        "title:".repeat(n / 6),
        "before:after:".repeat(n / 13),
        "(".repeat(n),
        ")".repeat(n),
        "-(".repeat(n / 2),
        "\"".repeat(n),
        format!("\"{}\"", "word ".repeat(n / 5)),
        "[".repeat(n),
        "{ TO ]".repeat(n / 6),
        "-".repeat(n),
        "+-".repeat(n / 2),
        "*?".repeat(n / 2),
        format!("\"a b\"~{}", "9".repeat(n)),
        "a".repeat(n),
        "a ".repeat(n / 2),
        "é".repeat(n),
        "NOT ".repeat(n / 4),
        "a OR ".repeat(n / 5),
    ];
    for q in &inputs {
        let started = std::time::Instant::now();
        let result = parse(q, false);
        let took = started.elapsed();
        assert!(took.as_secs_f64() < 1.0, "{}…: {took:?}", &q[..20]);
        if let Err(e) = result {
            assert!(e.position <= q.chars().count());
        }
    }
    // `a:a:…:b` is one word of fields: lexed without recursion.
    let e = parse(&"a:".repeat(n / 2), false).unwrap_err();
    assert!(e.message.contains("unknown field `a:`"), "{e}");
}

#[test]
fn field_prefixes_lex_as_before() {
    // (query, tokens) as the recursive lexer gave them.
    assert_eq!(
        lex("after:filing:2012").unwrap(),
        [
            (0, Tok::Field("after".into())),
            (6, Tok::Field("filing".into())),
            (13, Tok::Word("2012".into()))
        ]
    );
    assert_eq!(
        lex("title:-foo ti:+ x:").unwrap(),
        [
            (0, Tok::Field("title".into())),
            (6, Tok::Minus),
            (7, Tok::Word("foo".into())),
            (11, Tok::Field("ti".into())),
            (14, Tok::Word("+".into())),
            (16, Tok::Field("x".into())),
        ]
    );
    assert_eq!(
        lex("ab1:c title:AND").unwrap(),
        [
            (0, Tok::Word("ab1:c".into())),
            (6, Tok::Field("title".into())),
            (12, Tok::And)
        ]
    );
    assert_eq!(
        lex("title:-(a)").unwrap()[..3],
        [
            (0, Tok::Field("title".into())),
            (6, Tok::Word("-".into())),
            (7, Tok::LParen)
        ]
    );
}
