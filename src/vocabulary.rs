//! One way to declare a closed vocabulary — report categories, checks, statuses, causes, scopes: each word
//! written once, with the name reports, config files and history give it; `ALL` in declared order, `name`,
//! `parse`, `index`, `Display`, and serde by name all follow from that one declaration.

/// Declares an enum of unit variants, each with its name:
///
/// ```ignore
/// vocabulary! {
///     /// Where a finding stands against earlier runs.
///     pub enum FindingStatus ("finding status") {
///         /// First seen by this run.
///         New = "new",
///         Persisting = "persisting",
///     }
/// }
/// ```
///
/// The literal in parentheses says what a word is in the error for a name that is none of them (`unknown
/// finding status "neww"`).
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $vis:vis enum $type:ident ($what:literal) {
            $( $(#[$variant_meta:meta])* $variant:ident = $name:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $type {
            $( $(#[$variant_meta])* $variant ),+
        }

        impl $type {
            /// Every word, in declared order.
            pub const ALL: [$type; [$($name),+].len()] = [$($type::$variant),+];

            /// The word as reports, config files and history write it.
            pub fn name(self) -> &'static str {
                match self {
                    $( $type::$variant => $name ),+
                }
            }

            /// The word `name` names, if any.
            pub fn parse(name: &str) -> Option<$type> {
                $type::ALL.into_iter().find(|word| word.name() == name)
            }

            /// Its place in [`Self::ALL`], for counting per word in an array.
            pub fn index(self) -> usize {
                self as usize
            }
        }

        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.name())
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$type, D::Error> {
                let name = <String as serde::Deserialize>::deserialize(deserializer)?;
                $type::parse(&name)
                    .ok_or_else(|| serde::de::Error::custom(format!(concat!("unknown ", $what, " {:?}"), name)))
            }
        }
    };
}
pub(crate) use vocabulary;

#[cfg(test)]
mod tests {
    vocabulary! {
        /// Two words.
        enum Pair ("pair word") {
            First = "first",
            /// The other one.
            SecondOne = "second_one",
        }
    }

    #[test]
    fn each_word_has_one_name_read_and_written_alike() {
        assert_eq!(Pair::ALL, [Pair::First, Pair::SecondOne]);
        assert_eq!(Pair::SecondOne.name(), "second_one");
        assert_eq!(Pair::parse("second_one"), Some(Pair::SecondOne));
        assert_eq!(Pair::parse("second"), None);
        assert_eq!(Pair::SecondOne.index(), 1);
        assert_eq!(format!("{}", Pair::First), "first");
        assert_eq!(serde_json::to_string(&Pair::SecondOne).unwrap(), r#""second_one""#);
        assert_eq!(serde_json::from_str::<Pair>(r#""first""#).unwrap(), Pair::First);
        let error = serde_json::from_str::<Pair>(r#""third""#).unwrap_err().to_string();
        assert!(error.starts_with(r#"unknown pair word "third""#), "{error}");
    }
}
