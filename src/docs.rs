//! Documentation pages in the Terraform Registry layout, generated from
//! the schemas' descriptions so the docs cannot drift from the code.
//!
//! `make docs` writes them into `docs/`; the test `docs_match_the_schemas`
//! fails when a description changed and the pages were not regenerated.

use std::fmt::Write as _;

use crate::schema::{Attribute, AttributeKind, Block, NestedBlock, Nesting, Schema};

/// One page: its path under `docs/` and its Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub path: String,
    pub markdown: String,
}

/// Every page: the provider's `index.md` and one per resource.
pub fn pages() -> Vec<Page> {
    let mut pages = vec![Page {
        path: "index.md".to_string(),
        markdown: provider_page(&crate::provider::config::schema()),
    }];
    for resource in crate::resources::all() {
        let name = resource.type_name();
        let short = name.trim_start_matches("ci_");
        pages.push(Page {
            path: format!("resources/{short}.md"),
            markdown: resource_page(name, &resource.schema(), guide(short)),
        });
    }
    pages
}

/// The provider's page.
pub fn provider_page(schema: &Schema) -> String {
    let mut page = front_matter("ci Provider", &schema.block.description);
    page.push_str("# ci Provider\n\n");
    push_paragraph(&mut page, &schema.block.description);
    page.push_str(PROVIDER_USAGE);
    page.push_str(PROVIDER_GUIDE);
    page.push('\n');
    page.push_str("## Schema\n\n");
    push_block(&mut page, &schema.block);
    page
}

const PROVIDER_USAGE: &str = r#"## Example Usage

```terraform
terraform {
  required_providers {
    ci = {
      source = "registry.terraform.io/ci-platform/ci"
    }
  }
}

provider "ci" {
  region           = "eu-west-1"
  target_role_name = "ci-platform-provisioner"
}
```

"#;

/// The hand-written sections of the provider's page: authentication, the
/// role each target account needs, Kubernetes access, emulators.
const PROVIDER_GUIDE: &str = include_str!("docs/guide/provider.md");

/// The hand-written sections of a resource's page (objects it creates,
/// timeouts, CI variables) and its example, kept beside the code.
fn guide(short: &str) -> Guide {
    match short {
        "cluster" => Guide {
            text: include_str!("docs/guide/cluster.md"),
            example: include_str!("../examples/cluster/main.tf"),
        },
        "runner_pool" => Guide {
            text: include_str!("docs/guide/runner_pool.md"),
            example: include_str!("../examples/runner-pool/main.tf"),
        },
        "account_access" => Guide {
            text: include_str!("docs/guide/account_access.md"),
            example: include_str!("../examples/account-access/main.tf"),
        },
        _ => Guide {
            text: include_str!("docs/guide/warm_pool.md"),
            example: include_str!("../examples/warm-pool/main.tf"),
        },
    }
}

/// What a resource page says beyond its schema.
pub struct Guide {
    /// Markdown sections, each starting with `## `.
    pub text: &'static str,
    /// A Terraform configuration using the resource.
    pub example: &'static str,
}

/// A resource's page.
pub fn resource_page(type_name: &str, schema: &Schema, guide: Guide) -> String {
    let title = format!("{type_name} Resource - terraform-provider-ci");
    let mut page = front_matter(&title, &schema.block.description);
    let _ = writeln!(page, "# {type_name} (Resource)\n");
    push_paragraph(&mut page, &schema.block.description);
    let _ = writeln!(
        page,
        "## Example Usage\n\n```terraform\n{}```\n",
        guide.example
    );
    page.push_str(guide.text);
    page.push('\n');
    page.push_str("## Schema\n\n");
    push_block(&mut page, &schema.block);
    if let Some(id) = schema.block.attributes.iter().find(|a| a.name == "id") {
        page.push_str("## Import\n\n");
        push_paragraph(&mut page, &id.description);
    }
    page
}

fn front_matter(title: &str, description: &str) -> String {
    let mut text = format!("---\npage_title: \"{title}\"\nsubcategory: \"\"\ndescription: |-\n");
    for line in wrap(first_sentence(description), 76) {
        let _ = writeln!(text, "  {line}");
    }
    text.push_str("---\n\n");
    text
}

fn first_sentence(text: &str) -> &str {
    text.split_once(". ").map_or(text, |(first, _)| first)
}

fn push_paragraph(page: &mut String, text: &str) {
    for line in wrap(text, 80) {
        page.push_str(&line);
        page.push('\n');
    }
    page.push('\n');
}

/// Whether an attribute belongs under a heading.
type Belongs = fn(&Attribute) -> bool;

/// Attributes grouped as Required, Optional and Read-Only, then one
/// section per nested block.
fn push_block(page: &mut String, block: &Block) {
    let groups: [(&str, Belongs); 3] = [
        ("Required", |a| a.required),
        ("Optional", |a| a.optional),
        ("Read-Only", |a| a.computed && !a.optional),
    ];
    for (heading, belongs) in groups {
        let attributes: Vec<&Attribute> = block.attributes.iter().filter(|a| belongs(a)).collect();
        let blocks: Vec<&NestedBlock> = match heading {
            "Required" => block.blocks.iter().filter(|b| b.min_items > 0).collect(),
            "Optional" => block.blocks.iter().filter(|b| b.min_items == 0).collect(),
            _ => Vec::new(),
        };
        if attributes.is_empty() && blocks.is_empty() {
            continue;
        }
        let _ = writeln!(page, "### {heading}\n");
        for attribute in attributes {
            push_attribute(page, attribute);
        }
        for nested in blocks {
            let _ = writeln!(
                page,
                "- `{}` (Block {}) {}",
                nested.name,
                nesting(nested),
                nested.block.description.trim()
            );
        }
        page.push('\n');
    }
    for nested in &block.blocks {
        let _ = writeln!(page, "<a id=\"nestedblock--{}\"></a>", nested.name);
        let _ = writeln!(page, "### Nested Schema for `{}`\n", nested.name);
        push_block(page, &nested.block);
    }
}

fn push_attribute(page: &mut String, attribute: &Attribute) {
    let ty = match &attribute.kind {
        AttributeKind::Type(ty) => capitalised(&ty.to_string()),
        AttributeKind::Nested(_) => "Attributes".to_string(),
    };
    let mut marks = Vec::new();
    if attribute.sensitive {
        marks.push("Sensitive");
    }
    if attribute.write_only {
        marks.push("Write-only");
    }
    if attribute.deprecated {
        marks.push("Deprecated");
    }
    let marks = if marks.is_empty() {
        String::new()
    } else {
        format!(", {}", marks.join(", "))
    };
    let _ = writeln!(
        page,
        "- `{}` ({ty}{marks}) {}",
        attribute.name,
        attribute.description.trim()
    );
}

fn nesting(block: &NestedBlock) -> String {
    let mode = match block.nesting {
        Nesting::Single | Nesting::Group => "",
        Nesting::List => "List",
        Nesting::Set => "Set",
        Nesting::Map => "Map",
    };
    let bounds = match (block.min_items, block.max_items) {
        (0, 0) => String::new(),
        (min, 0) => format!(", Min: {min}"),
        (min, max) => format!(", Min: {min}, Max: {max}"),
    };
    format!("{mode}{bounds}")
        .trim_start_matches(", ")
        .to_string()
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Greedy word wrap at `width` columns.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_resource_has_a_page_with_its_schema_and_import() {
        let pages = pages();
        assert_eq!(pages.len(), 5);
        let access = pages
            .iter()
            .find(|p| p.path == "resources/account_access.md")
            .unwrap();
        assert!(access.markdown.contains("# ci_account_access (Resource)"));
        assert!(access.markdown.contains("### Required"));
        assert!(access.markdown.contains("- `account_id` (String)"));
        assert!(access.markdown.contains("## Import"));
    }

    #[test]
    fn every_resource_page_says_what_it_creates_and_shows_an_example() {
        for page in pages().iter().filter(|p| p.path.starts_with("resources/")) {
            let name = format!(
                "resource \"ci_{}",
                page.path
                    .trim_start_matches("resources/")
                    .trim_end_matches(".md")
            );
            assert!(
                page.markdown.contains("## What it creates"),
                "{}",
                page.path
            );
            assert!(
                page.markdown.contains("## GitLab CI variables"),
                "{}",
                page.path
            );
            assert!(
                page.markdown.contains(&name),
                "{} shows an example of itself",
                page.path
            );
        }
    }

    #[test]
    fn the_provider_page_explains_access_to_accounts_and_clusters() {
        let index = provider_page(&crate::provider::config::schema());
        for section in [
            "## Authentication",
            "## The target-account role",
            "## Kubernetes access",
            "## Emulator endpoints",
            "## Schema",
        ] {
            assert!(index.contains(section), "index.md lacks {section}");
        }
        assert!(index.find("## Authentication") < index.find("## Schema"));
    }

    #[test]
    fn the_target_role_policy_allows_every_iam_call_the_provider_makes() {
        // Each IAM operation the backend sends, in the SDK's snake case.
        let sources = [
            include_str!("backends/aws/iam/oidc_provider.rs"),
            include_str!("backends/aws/iam/policy.rs"),
            include_str!("backends/aws/iam/role.rs"),
        ];
        let mut operations = Vec::new();
        for source in sources {
            for call in source.split(".client").skip(1) {
                let call = call.trim_start().strip_prefix('.').unwrap_or_default();
                let operation: String = call
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !operation.is_empty() {
                    operations.push(operation);
                }
            }
        }
        assert!(operations.len() >= 15, "{operations:?}");
        let missing: Vec<_> = operations
            .iter()
            .map(|operation| format!("\"iam:{}\"", pascal_case(operation)))
            .filter(|action| !PROVIDER_GUIDE.contains(action))
            .collect();
        assert!(missing.is_empty(), "not in the example policy: {missing:?}");
    }

    /// `open_id_connect` becomes `OpenIDConnect`, the rest `PascalCase`.
    fn pascal_case(snake: &str) -> String {
        let words = snake.split('_').map(|word| match word {
            "id" => "ID".to_string(),
            _ => capitalised(word),
        });
        words.collect()
    }

    #[test]
    fn sensitive_and_write_only_attributes_are_marked() {
        let pool = pages()
            .into_iter()
            .find(|p| p.path == "resources/runner_pool.md")
            .unwrap();
        assert!(pool.markdown.contains("`runner_token` (String, Sensitive)"));
        assert!(
            pool.markdown
                .contains("`runner_token_wo` (String, Sensitive, Write-only)")
        );
    }

    #[test]
    fn wrapping_keeps_every_word_and_the_width() {
        let text = "one two three four five six seven eight nine ten";
        let lines = wrap(text, 10);
        assert!(lines.iter().all(|l| l.len() <= 10));
        assert_eq!(lines.join(" "), text);
    }
}
