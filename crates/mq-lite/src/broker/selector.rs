//! JMS message selectors (SQL-92 conditional expressions over headers), as ActiveMQ reads
//! them: comparisons, arithmetic, AND/OR/NOT with three-valued logic, LIKE (with ESCAPE), IN,
//! BETWEEN, IS [NOT] NULL. STOMP headers are strings; ActiveMQ reads STOMP selectors with
//! `convert_string_expressions`, so a string compared with a number is read as a number
//! (`price > 10` matches a header `price:20`; a header that is not a number compares as
//! unknown).

use super::message::{Message, PropertyValue};

/// A parsed selector.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    expr: Expr,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Text(String),
    Number(f64),
    Bool(bool),
    Ident(String),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cmp(Box<Expr>, Op, Box<Expr>),
    Arith(Box<Expr>, char, Box<Expr>),
    Like { value: Box<Expr>, pattern: String, escape: Option<char>, negated: bool },
    In { value: Box<Expr>, list: Vec<String>, negated: bool },
    Between { value: Box<Expr>, low: Box<Expr>, high: Box<Expr>, negated: bool },
    IsNull { value: Box<Expr>, negated: bool },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Text(String),
    Number(f64),
    Sym(&'static str),
}

/// The deepest nesting a selector may have (bounds the parser's recursion).
const MAX_DEPTH: usize = 64;

impl Selector {
    /// Parses a selector.
    ///
    /// Errors: the text is not a selector (the reason).
    pub fn parse(text: &str) -> Result<Selector, String> {
        if text.len() > 4096 {
            return Err("the selector is longer than 4096 characters".into());
        }
        let tokens = lex(text)?;
        let mut p = Parser { tokens, at: 0, depth: 0 };
        let expr = p.or()?;
        if p.at != p.tokens.len() {
            return Err(format!("unexpected {:?}", p.tokens[p.at]));
        }
        Ok(Selector { expr, text: text.to_string() })
    }

    /// Whether a message matches (unknown is no).
    pub fn matches(&self, m: &Message) -> bool {
        truth(&eval(&self.expr, m)) == Some(true)
    }
}

fn lex(s: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut t = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("a string literal is not closed".into()),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        t.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        t.push(ch);
                        i += 1;
                    }
                }
            }
            out.push(Token::Text(t));
        } else if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            let lit: String = chars[start..i].iter().collect();
            let trimmed = lit.trim_end_matches(['l', 'L', 'f', 'F', 'd', 'D']);
            let n = if let Some(hex) = trimmed.strip_prefix("0x").or_else(|| trimmed.strip_prefix("0X")) {
                i64::from_str_radix(hex, 16).map(|v| v as f64).map_err(|_| format!("bad number {lit}"))?
            } else {
                trimmed.parse::<f64>().map_err(|_| format!("bad number {lit}"))?
            };
            out.push(Token::Number(n));
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || chars[i] == '_'
                    || chars[i] == '$'
                    || chars[i] == '.'
                    || chars[i] == '-')
            {
                i += 1;
            }
            out.push(Token::Ident(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let sym = match two.as_str() {
                "<>" => Some("<>"),
                "<=" => Some("<="),
                ">=" => Some(">="),
                _ => None,
            };
            if let Some(s) = sym {
                out.push(Token::Sym(s));
                i += 2;
                continue;
            }
            let s = match c {
                '=' => "=",
                '<' => "<",
                '>' => ">",
                '(' => "(",
                ')' => ")",
                ',' => ",",
                '+' => "+",
                '-' => "-",
                '*' => "*",
                '/' => "/",
                other => return Err(format!("unexpected character '{other}'")),
            };
            out.push(Token::Sym(s));
            i += 1;
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Ident(w)) if w.eq_ignore_ascii_case(word))
    }

    fn word(&mut self, word: &str) -> bool {
        let yes = self.peek_word(word);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn sym(&mut self, s: &str) -> bool {
        let yes = matches!(self.tokens.get(self.at), Some(Token::Sym(x)) if *x == s);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn expect_sym(&mut self, s: &str) -> Result<(), String> {
        if self.sym(s) {
            Ok(())
        } else {
            Err(format!("expected '{s}'"))
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("the selector is nested too deeply".into());
        }
        let mut left = self.and()?;
        while self.word("OR") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.not()?;
        while self.word("AND") {
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, String> {
        if self.word("NOT") {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err("the selector is nested too deeply".into());
            }
            let e = Expr::Not(Box::new(self.not()?));
            self.depth -= 1;
            return Ok(e);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, String> {
        let left = self.sum()?;
        for (s, op) in [("=", Op::Eq), ("<>", Op::Ne), ("<=", Op::Le), (">=", Op::Ge), ("<", Op::Lt), (">", Op::Gt)] {
            if self.sym(s) {
                return Ok(Expr::Cmp(Box::new(left), op, Box::new(self.sum()?)));
            }
        }
        if self.word("IS") {
            let negated = self.word("NOT");
            if !self.word("NULL") {
                return Err("expected NULL after IS".into());
            }
            return Ok(Expr::IsNull { value: Box::new(left), negated });
        }
        let negated = self.word("NOT");
        if self.word("LIKE") {
            let Some(Token::Text(pattern)) = self.tokens.get(self.at).cloned() else {
                return Err("LIKE needs a string pattern".into());
            };
            self.at += 1;
            let escape = if self.word("ESCAPE") {
                let Some(Token::Text(e)) = self.tokens.get(self.at).cloned() else {
                    return Err("ESCAPE needs a string".into());
                };
                self.at += 1;
                let mut cs = e.chars();
                match (cs.next(), cs.next()) {
                    (Some(c), None) => Some(c),
                    _ => return Err("ESCAPE must be one character".into()),
                }
            } else {
                None
            };
            return Ok(Expr::Like { value: Box::new(left), pattern, escape, negated });
        }
        if self.word("IN") {
            self.expect_sym("(")?;
            let mut list = Vec::new();
            loop {
                let Some(Token::Text(t)) = self.tokens.get(self.at).cloned() else {
                    return Err("IN takes string literals".into());
                };
                self.at += 1;
                list.push(t);
                if self.sym(")") {
                    break;
                }
                self.expect_sym(",")?;
            }
            return Ok(Expr::In { value: Box::new(left), list, negated });
        }
        if self.word("BETWEEN") {
            let low = self.sum()?;
            if !self.word("AND") {
                return Err("expected AND in BETWEEN".into());
            }
            let high = self.sum()?;
            return Ok(Expr::Between { value: Box::new(left), low: Box::new(low), high: Box::new(high), negated });
        }
        if negated {
            return Err("expected LIKE, IN or BETWEEN after NOT".into());
        }
        Ok(left)
    }

    fn sum(&mut self) -> Result<Expr, String> {
        let mut left = self.product()?;
        loop {
            if self.sym("+") {
                left = Expr::Arith(Box::new(left), '+', Box::new(self.product()?));
            } else if self.sym("-") {
                left = Expr::Arith(Box::new(left), '-', Box::new(self.product()?));
            } else {
                return Ok(left);
            }
        }
    }

    fn product(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        loop {
            if self.sym("*") {
                left = Expr::Arith(Box::new(left), '*', Box::new(self.unary()?));
            } else if self.sym("/") {
                left = Expr::Arith(Box::new(left), '/', Box::new(self.unary()?));
            } else {
                return Ok(left);
            }
        }
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.sym("-") {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err("the selector is nested too deeply".into());
            }
            let e = Expr::Neg(Box::new(self.unary()?));
            self.depth -= 1;
            return Ok(e);
        }
        if self.sym("+") {
            return self.unary();
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let Some(t) = self.tokens.get(self.at).cloned() else {
            return Err("the selector ends too early".into());
        };
        self.at += 1;
        Ok(match t {
            Token::Text(s) => Expr::Text(s),
            Token::Number(n) => Expr::Number(n),
            Token::Ident(w) if w.eq_ignore_ascii_case("TRUE") => Expr::Bool(true),
            Token::Ident(w) if w.eq_ignore_ascii_case("FALSE") => Expr::Bool(false),
            Token::Ident(w)
                if ["AND", "OR", "NOT", "LIKE", "IN", "BETWEEN", "IS", "NULL", "ESCAPE"]
                    .iter()
                    .any(|k| w.eq_ignore_ascii_case(k)) =>
            {
                return Err(format!("unexpected keyword {w}"))
            }
            Token::Ident(w) => Expr::Ident(w),
            Token::Sym("(") => {
                let e = self.or()?;
                self.expect_sym(")")?;
                e
            }
            Token::Sym(s) => return Err(format!("unexpected '{s}'")),
        })
    }
}

/// A value during evaluation; `None` is SQL's NULL (unknown).
type Val = Option<PropertyValue>;

fn truth(v: &Val) -> Option<bool> {
    match v {
        Some(PropertyValue::Bool(b)) => Some(*b),
        _ => None,
    }
}

fn eval(e: &Expr, m: &Message) -> Val {
    use PropertyValue::*;
    match e {
        Expr::Text(s) => Some(Text(s.clone())),
        Expr::Number(n) => Some(Number(*n)),
        Expr::Bool(b) => Some(Bool(*b)),
        Expr::Ident(name) => m.property(name),
        Expr::Not(x) => truth(&eval(x, m)).map(|b| Bool(!b)),
        Expr::Neg(x) => match eval(x, m) {
            Some(Number(n)) => Some(Number(-n)),
            _ => None,
        },
        Expr::And(a, b) => match (truth(&eval(a, m)), truth(&eval(b, m))) {
            (Some(false), _) | (_, Some(false)) => Some(Bool(false)),
            (Some(true), Some(true)) => Some(Bool(true)),
            _ => None,
        },
        Expr::Or(a, b) => match (truth(&eval(a, m)), truth(&eval(b, m))) {
            (Some(true), _) | (_, Some(true)) => Some(Bool(true)),
            (Some(false), Some(false)) => Some(Bool(false)),
            _ => None,
        },
        Expr::Arith(a, op, b) => match numeric_pair(eval(a, m)?, eval(b, m)?) {
            (Number(x), Number(y)) => Some(Number(match op {
                '+' => x + y,
                '-' => x - y,
                '*' => x * y,
                _ => {
                    if y == 0.0 {
                        return None;
                    }
                    x / y
                }
            })),
            _ => None,
        },
        Expr::Cmp(a, op, b) => {
            let ord = match numeric_pair(eval(a, m)?, eval(b, m)?) {
                (Number(x), Number(y)) => x.partial_cmp(&y)?,
                (Text(x), Text(y)) if matches!(op, Op::Eq | Op::Ne) => x.cmp(&y),
                (Bool(x), Bool(y)) if matches!(op, Op::Eq | Op::Ne) => x.cmp(&y),
                _ => return None,
            };
            use std::cmp::Ordering::*;
            Some(Bool(match op {
                Op::Eq => ord == Equal,
                Op::Ne => ord != Equal,
                Op::Lt => ord == Less,
                Op::Gt => ord == Greater,
                Op::Le => ord != Greater,
                Op::Ge => ord != Less,
            }))
        }
        Expr::Like { value, pattern, escape, negated } => match eval(value, m)? {
            Text(s) => Some(Bool(like(&s, pattern, *escape) != *negated)),
            _ => None,
        },
        Expr::In { value, list, negated } => match eval(value, m)? {
            Text(s) => Some(Bool(list.contains(&s) != *negated)),
            _ => None,
        },
        Expr::Between { value, low, high, negated } => {
            let v = as_number(eval(value, m)?)?;
            let (l, h) = (as_number(eval(low, m)?)?, as_number(eval(high, m)?)?);
            Some(Bool((l <= v && v <= h) != *negated))
        }
        Expr::IsNull { value, negated } => Some(Bool(eval(value, m).is_none() != *negated)),
    }
}

/// A string beside a number is read as one (ActiveMQ's `convert_string_expressions`).
fn numeric_pair(a: PropertyValue, b: PropertyValue) -> (PropertyValue, PropertyValue) {
    use PropertyValue::*;
    let num = |s: &str| s.trim().parse::<f64>().ok();
    match (a, b) {
        (Text(x), Number(y)) => (num(&x).map_or(Text(x), Number), Number(y)),
        (Number(x), Text(y)) => (Number(x), num(&y).map_or(Text(y), Number)),
        pair => pair,
    }
}

fn as_number(v: PropertyValue) -> Option<f64> {
    match v {
        PropertyValue::Number(n) => Some(n),
        PropertyValue::Text(s) => s.trim().parse().ok(),
        PropertyValue::Bool(_) => None,
    }
}

/// SQL LIKE: `%` any run, `_` one character, `escape` before either takes it literally.
fn like(s: &str, pattern: &str, escape: Option<char>) -> bool {
    #[derive(Clone, Copy)]
    enum P {
        Any,
        One,
        Lit(char),
    }
    let mut p = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        if Some(c) == escape {
            if let Some(n) = it.next() {
                p.push(P::Lit(n));
            }
        } else if c == '%' {
            p.push(P::Any);
        } else if c == '_' {
            p.push(P::One);
        } else {
            p.push(P::Lit(c));
        }
    }
    let s: Vec<char> = s.chars().collect();
    // Dynamic programming over (pattern position, text position): linear memory, no recursion.
    let mut reach = vec![false; s.len() + 1];
    reach[0] = true;
    for token in &p {
        let mut next = vec![false; s.len() + 1];
        match token {
            P::Any => {
                let mut on = false;
                for i in 0..=s.len() {
                    on |= reach[i];
                    next[i] = on;
                }
            }
            P::One => {
                next[1..].copy_from_slice(&reach[..s.len()]);
            }
            P::Lit(c) => {
                for i in 0..s.len() {
                    next[i + 1] = reach[i] && s[i] == *c;
                }
            }
        }
        reach = next;
    }
    reach[s.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::message::Destination;

    fn msg(headers: &[(&str, &str)]) -> Message {
        Message {
            seq: 1,
            id: "ID:1".into(),
            destination: Destination::Queue("q".into()),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: Default::default(),
            persistent: true,
            priority: 4,
            timestamp: 1000,
            expires: 0,
            redeliveries: 0,
            binary: false,
            qos: 0,
            retained: false,
            original: None,
        }
    }

    fn m(sel: &str, headers: &[(&str, &str)]) -> bool {
        Selector::parse(sel).unwrap().matches(&msg(headers))
    }

    #[test]
    fn selectors_as_jms_reads_them() {
        let h = [("colour", "red"), ("size", "L"), ("price", "10")];
        assert!(m("colour = 'red'", &h));
        assert!(!m("colour = 'blue'", &h));
        assert!(m("colour = 'red' AND size <> 'S'", &h));
        assert!(m("colour = 'blue' OR size = 'L'", &h));
        assert!(m("NOT colour = 'blue'", &h));
        assert!(m("colour IN ('green', 'red')", &h));
        assert!(m("colour NOT IN ('green')", &h));
        assert!(m("colour LIKE 'r%'", &h));
        assert!(m("colour LIKE '_ed'", &h));
        assert!(!m("colour LIKE 'r'", &h));
        assert!(m("'a%b' LIKE 'a\\%b' ESCAPE '\\'", &h));
        assert!(m("missing IS NULL", &h));
        assert!(m("colour IS NOT NULL", &h));
        assert!(m("JMSPriority BETWEEN 1 AND 5", &h));
        assert!(m("JMSPriority + 1 = 5 AND JMSTimestamp > 999", &h));
        assert!(m("JMSDeliveryMode = 'PERSISTENT'", &h));
        assert!(m("(colour = 'red')", &h));
        // Numeric strings compare as numbers (STOMP selectors); others are unknown, and
        // unknown is no, and NOT unknown is unknown.
        assert!(m("price > 5", &h));
        assert!(m("price BETWEEN 5 AND 10 AND price * 2 = 20", &h));
        assert!(!m("colour > 5", &h));
        assert!(!m("NOT colour > 5", &h));
        assert!(!m("missing = 'x'", &h));
        assert!(!m("NOT missing = 'x'", &h));
        assert!(m("missing = 'x' OR colour = 'red'", &h));
        assert!(m("TRUE", &h));
        assert!(m("0x10 = 16 AND 1.5e1 = 15", &h));
    }

    #[test]
    fn bad_selectors_are_refused() {
        for bad in
            ["", "colour =", "colour = 'red", "AND", "colour LIKE 5", "a IN (1)", "a ! b", "((a = 'b')", "a NOT b"]
        {
            assert!(Selector::parse(bad).is_err(), "{bad}");
        }
        let deep = format!("{}a = 'b'{}", "(".repeat(100), ")".repeat(100));
        assert!(Selector::parse(&deep).is_err());
        let nots = format!("{}a = 'b'", "NOT ".repeat(100));
        assert!(Selector::parse(&nots).is_err());
    }

    /// A pattern that backtracking matchers take exponential time on is answered (the
    /// matcher walks the text once per pattern token).
    #[test]
    fn like_has_no_backtracking() {
        let long = "a".repeat(2000);
        let pattern = format!("{}b", "%a".repeat(50));
        assert!(!like(&long, &pattern, None));
        assert!(like(&format!("{long}b"), &pattern, None));
    }
}
