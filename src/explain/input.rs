//! Explanations of reading the compose files: YAML, interpolation, merging, `extends`, `include`, keys and names.

use super::Explanation;
use crate::diagnostic::Code;

pub(super) const ALLOW_REFUSED: Explanation = Explanation {
    code: Code::AllowRefused,
    title: "`x-podlift.allow` names a code it cannot accept",
    meaning: "A service's `x-podlift.allow` names a code podlift does not have, or a security finding (host paths, host namespaces, privileges, plain-text credentials), which a compose file cannot accept for itself.",
    kubernetes: "A compose file from elsewhere could otherwise pass `check --strict` by accepting its own risks; the code allows nothing.",
    remedy: "Fix the code's name; for a security finding your team accepts, pass `--allow CODE` on the command line.",
    example: "services:\n  app:\n    image: nginx\n    network_mode: host\n    x-podlift:\n      allow: [network-mode-host]\n",
};

pub(super) const EXTENDS_CYCLE: Explanation = Explanation {
    code: Code::ExtendsCycle,
    title: "`extends` leads back to itself",
    meaning: "A service extends another that (directly or through others) extends the first.",
    kubernetes: "The merged service would have no end; compose refuses it.",
    remedy: "Remove one `extends` of the cycle.",
    example: "services:\n  a:\n    extends: b\n  b:\n    extends: a\n",
};

pub(super) const EXTENDS_SYNTAX: Explanation = Explanation {
    code: Code::ExtendsSyntax,
    title: "`extends` is written wrongly",
    meaning: "`extends` is neither a service name nor a mapping with `service:` (and optionally `file:`).",
    kubernetes: "podlift cannot tell which service to start from.",
    remedy: "Write `extends: name` or `extends: {service: name, file: other.yaml}`.",
    example: "services:\n  app:\n    extends: [base]\n",
};

pub(super) const EXTENDS_UNKNOWN: Explanation = Explanation {
    code: Code::ExtendsUnknown,
    title: "`extends` names a service that does not exist",
    meaning: "The service named by `extends` is not defined in this file, or in the file its `file:` names.",
    kubernetes: "The service would lose everything it meant to inherit.",
    remedy: "Name a service that exists, or add `file:` for one in another file.",
    example: "services:\n  app:\n    extends: base\n",
};

pub(super) const EXTENSION_KEY_UNKNOWN: Explanation = Explanation {
    code: Code::ExtensionKeyUnknown,
    title: "an `x-podlift` key is unknown",
    meaning: "A key under `x-podlift` (the project's or a service's) is not one podlift reads, often a typo. Compose does not read extensions, so it accepts the file.",
    kubernetes: "podlift converts without the setting the key was meant to give.",
    remedy: "Fix the spelling (the message suggests the closest key) or remove the key; `podlift explain` and docs/compose-support.md list the `x-podlift` keys.",
    example: "services:\n  app:\n    image: app:1\n    x-podlift:\n      gruop: web\n",
};

pub(super) const FILE_EMPTY: Explanation = Explanation {
    code: Code::FileEmpty,
    title: "a compose file is empty",
    meaning: "A compose file holds no YAML document, or only `null`.",
    kubernetes: "There is nothing to convert.",
    remedy: "Give it at least a `services:` mapping, or leave it out of `-f`.",
    example: "# compose.yaml with no content\n",
};

pub(super) const FILE_NOT_MAPPING: Explanation = Explanation {
    code: Code::FileNotMapping,
    title: "a compose file is not a mapping",
    meaning: "The top of a compose file is a list or a scalar instead of a mapping of keys such as `services:`.",
    kubernetes: "podlift, like compose, reads a compose file as a mapping.",
    remedy: "Start the file with keys such as `services:`.",
    example: "- app\n- db\n",
};

pub(super) const FILE_UNREADABLE: Explanation = Explanation {
    code: Code::FileUnreadable,
    title: "a file cannot be read",
    meaning: "A compose file, an included file, or a file a secret or config names does not exist, is a directory, is not UTF-8, or exceeds podlift's size limit.",
    kubernetes: "Without its content, podlift cannot convert the file, or fill the Secret or ConfigMap.",
    remedy: "Fix the path (relative to the compose file), or name the compose file inside a directory.",
    example: "services:\n  app:\n    image: app:1\n    configs: [conf]\nconfigs:\n  conf:\n    file: ./missing.conf\n",
};

pub(super) const HOST_FILE_NOT_REGULAR: Explanation = Explanation {
    code: Code::HostFileNotRegular,
    title: "a host file is not a regular file",
    meaning: "A file the project names on this machine — a `configs`/`secrets` `file:`, an `env_file`, a `label_file`, an `include` or `extends` file — resolves (through every link) to a FIFO, a device, a socket, a directory, or a file of the kernel (`/proc`, `/sys`, `/dev`). podlift never opens such a file: a FIFO would block forever, `/dev/zero` never ends, `/proc/self/environ` holds podlift's own environment.",
    kubernetes: "Its content would have gone into a ConfigMap, a Secret or the container's environment.",
    remedy: "Name a regular file inside the project directory.",
    example: "services:\n  app:\n    image: app:1\n    env_file: /dev/null\n",
};

pub(super) const HOST_FILE_OUTSIDE: Explanation = Explanation {
    code: Code::HostFileOutside,
    title: "a host file lies outside the project directory",
    meaning: "A `configs`/`secrets` `file:`, an `env_file`, a `label_file`, an `include` or `extends` file, or `.env`, resolves — after `..`, `${HOME}`, an absolute path or a link — outside the project directory (the directory of the first compose file). podlift copies no such file into the manifests without your choice: a compose file from elsewhere could otherwise carry `/etc/passwd` or your SSH key into a ConfigMap.",
    kubernetes: "The file's content would be written into the manifests (a ConfigMap, a Secret, a container's environment or annotations) and applied to the cluster.",
    remedy: "Copy the file into the project directory, or allow its directory with `--allow-outside DIR` (repeatable) if you mean it. Bind mounts outside the project are not affected: they become hostPath volumes with a warning.",
    example: "services:\n  app:\n    image: app:1\n    configs: [accounts]\nconfigs:\n  accounts:\n    file: /etc/passwd\n",
};

pub(super) const INCLUDE_CONFLICT: Explanation = Explanation {
    code: Code::IncludeConflict,
    title: "an included file defines a resource again",
    meaning: "A service, network, volume, secret or config is defined both in a file and in a file it `include`s.",
    kubernetes: "Compose refuses such conflicts instead of merging them; which one would win is not defined.",
    remedy: "Rename one of them, or remove it from the included file.",
    example: "include: [db.yaml]\nservices:\n  db:\n    image: postgres:16\n# file: db.yaml\nservices:\n  db:\n    image: postgres:15\n",
};

pub(super) const INCLUDE_CYCLE: Explanation = Explanation {
    code: Code::IncludeCycle,
    title: "`include` leads back to a file being read",
    meaning: "A file includes itself, directly or through other files.",
    kubernetes: "The project would have no end; compose refuses it.",
    remedy: "Remove one of the `include` entries of the cycle.",
    example: "include: [other.yaml]\nservices:\n  app:\n    image: app:1\n# file: other.yaml\ninclude: [compose.yaml]\n",
};

pub(super) const INCLUDE_SYNTAX: Explanation = Explanation {
    code: Code::IncludeSyntax,
    title: "`include` is written wrongly",
    meaning: "`include` is not a list, or an entry names no file.",
    kubernetes: "podlift cannot tell which files to read.",
    remedy: "Write `include: [other.yaml]`, or entries with `path:` (and optionally `env_file:` and `project_directory:`).",
    example: "include: other.yaml\n",
};

pub(super) const INTERPOLATION_DEPTH: Explanation = Explanation {
    code: Code::InterpolationDepth,
    title: "interpolation nests too deep",
    meaning: "`${NAME:-${OTHER:-…}}` defaults nest more levels than podlift follows.",
    kubernetes: "A bound on nesting keeps a hostile or broken file from exhausting memory or time.",
    remedy: "Flatten the nested defaults.",
    example: "services:\n  app:\n    image: ${A:-${B:-${C:-${D:-…}}}}\n",
};

pub(super) const INTERPOLATION_SYNTAX: Explanation = Explanation {
    code: Code::InterpolationSyntax,
    title: "a `${…}` is not valid interpolation",
    meaning: "A `$` starts something compose cannot read as a variable, such as an unclosed `${`.",
    kubernetes: "Compose refuses the file; the value cannot be known.",
    remedy: "Close the `${`, write `${NAME}` or `${NAME:-default}`, or write `$$` for a literal `$`.",
    example: "services:\n  app:\n    image: app:${TAG\n",
};

pub(super) const KEY_IGNORED: Explanation = Explanation {
    code: Code::KeyIgnored,
    title: "a compose key has no effect in Kubernetes",
    meaning: "The key means something only to Docker or to `docker compose up` (e.g. `version`, a network's `driver`), and has no equivalent that would change what runs.",
    kubernetes: "Nothing is lost: the cluster's own mechanisms (CNI, scheduler, kubelet) do what the key did.",
    remedy: "Nothing to do; remove the key if you want a quiet run.",
    example: "version: \"3.8\"\nservices:\n  app:\n    image: app:1\n",
};

pub(super) const KEY_NOT_CARRIED: Explanation = Explanation {
    code: Code::KeyNotCarried,
    title: "a compose key is not carried over",
    meaning: "podlift knows the key but cannot express it in the manifests (e.g. a Swarm-only `deploy` setting, a device mapping).",
    kubernetes: "The application runs without this setting on Kubernetes; whether it still works depends on what the setting did.",
    remedy: "Check that the application works without it, or set the equivalent by hand in the output.",
    example: "services:\n  app:\n    image: app:1\n    devices: [\"/dev/ttyUSB0:/dev/ttyUSB0\"]\n",
};

pub(super) const KEY_BLANK: Explanation = Explanation {
    code: Code::KeyBlank,
    title: "a mapping key is empty or only line breaks",
    meaning: "Compose matches the keys of free-form mappings with a pattern that needs a character other than a line break: a key of `environment`, `labels`, `annotations`, `sysctls`, `extra_hosts` or `build.args` that is empty or made only of line breaks (`\"\\n\": x`) is refused, and so is a key of `driver_opts` or `logging.options` that is empty or holds a line break anywhere.",
    kubernetes: "Compose refuses the file (`additional properties '\\n' not allowed`); podlift refuses it too: such a key names nothing a container or Kubernetes could read.",
    remedy: "Remove the key, or write the name it was meant to have.",
    example: "services:\n  app:\n    image: app:1\n    labels:\n      \"\\n\": x\n",
};

pub(super) const KEY_NOT_STRING: Explanation = Explanation {
    code: Code::KeyNotString,
    title: "a mapping key is a number or a boolean",
    meaning: "YAML reads an unquoted `1`, `2.5` or `true` as a number or a boolean, also as a key. Compose takes only strings as keys, anywhere in the file: in services, in free-form mappings such as `environment`, `labels` or `sysctls`, and in `x-` extensions.",
    kubernetes: "Compose refuses the file (`non-string key in services.app.environment: 1`); podlift refuses it too, rather than read a key compose never would.",
    remedy: "Quote the key (`\"1\": value`).",
    example: "services:\n  app:\n    image: app:1\n    environment:\n      1: one\n",
};

pub(super) const KEY_UNKNOWN: Explanation = Explanation {
    code: Code::KeyUnknown,
    title: "a compose key is unknown",
    meaning: "The key is not part of the Compose Specification at this place (often a typo): at the top level, in a service, or in any mapping whose keys the specification closes (`healthcheck`, `deploy`, `build`, long-syntax ports and mounts, `depends_on` entries, networks, volumes, secrets, configs). An unknown key of `x-podlift` is a warning: compose does not read extensions.",
    kubernetes: "Compose refuses the file (`additional properties … not allowed`); podlift refuses it too, rather than convert a service without the setting the key was meant to be.",
    remedy: "Fix the spelling (the message suggests the closest key), or prefix the key with `x-` to mark it as an extension.",
    example: "services:\n  app:\n    image: app:1\n    enviroment:\n      A: \"1\"\n",
};

pub(super) const LIST_DUPLICATE: Explanation = Explanation {
    code: Code::ListDuplicate,
    title: "a list compose takes without repeats holds an item twice",
    meaning: "Compose's schema takes each item once in `group_add`, `security_opt`, `external_links`, `volumes_from`, `device_cgroup_rules`, `depends_on`, and in `extra_hosts` (of a service and of its `build`) written as a list; an exact repeat there makes compose refuse the file. Lists compose de-duplicates itself (`cap_add`, `cap_drop`, `dns`, `dns_opt`, `dns_search`, `expose`, `tmpfs`, `links`, `ports`, `volumes`) keep each item once instead.",
    kubernetes: "Compose refuses the file (`services.app.security_opt items at 0 and 1 are equal`); podlift refuses it too, rather than convert a file compose never runs.",
    remedy: "Remove the repeated item.",
    example: "services:\n  app:\n    image: app:1\n    security_opt:\n      - no-new-privileges:true\n      - no-new-privileges:true\n",
};

pub(super) const LIMIT_HOST_FILES: Explanation = Explanation {
    code: Code::LimitHostFiles,
    title: "the project's host files are larger than podlift reads",
    meaning: "The files the project names (env files, label files, configs, secrets, included files; every read counts, also the same file read again for another service) hold more than 256 MiB in all (`MAX_HOST_BYTES_TOTAL`).",
    kubernetes: "Manifests of that size are far beyond what Kubernetes accepts; the limit keeps podlift's memory bounded.",
    remedy: "Name fewer or smaller files; share one env file through fewer services.",
    example: "services:   # thousands of services, each with the same large env_file\n",
};

pub(super) const LIMIT_INCLUDES: Explanation = Explanation {
    code: Code::LimitIncludes,
    title: "`include` loads more files than podlift reads",
    meaning: "`include` loaded more than 4096 compose files (`MAX_INCLUDE_LOADS`). A file included again with the same variables is loaded only once, so this takes includes that differ each time.",
    kubernetes: "No project needs that many; the limit keeps podlift's time bounded.",
    remedy: "Include each file once, or merge the included files.",
    example: "include:   # more than 4096 different files\n",
};

pub(super) const LIMIT_INTERPOLATION: Explanation = Explanation {
    code: Code::LimitInterpolation,
    title: "interpolation produces more than podlift keeps",
    meaning: "A value grows past 1 MiB (`MAX_VALUE_BYTES`) when its variables are expanded, or interpolation produced more than 64 MiB in one run (`MAX_INTERPOLATED_BYTES`): variables that reference each other (`A1=${A0}${A0}`, `A2=${A1}${A1}`, …) double a value with every line.",
    kubernetes: "A value that large would not fit in any Kubernetes object; the limits keep podlift's memory bounded.",
    remedy: "Write the values out instead of building them from each other.",
    example: "services:\n  app:\n    image: app:1\n    environment:\n      BIG: ${A19}\n# file: .env\nA0=xx\nA1=${A0}${A0}\nA2=${A1}${A1}\nA3=${A2}${A2}\nA4=${A3}${A3}\nA5=${A4}${A4}\nA6=${A5}${A5}\nA7=${A6}${A6}\nA8=${A7}${A7}\nA9=${A8}${A8}\nA10=${A9}${A9}\nA11=${A10}${A10}\nA12=${A11}${A11}\nA13=${A12}${A12}\nA14=${A13}${A13}\nA15=${A14}${A14}\nA16=${A15}${A15}\nA17=${A16}${A16}\nA18=${A17}${A17}\nA19=${A18}${A18}\nA20=${A19}${A19}\n",
};

pub(super) const LIMIT_SERVICES: Explanation = Explanation {
    code: Code::LimitServices,
    title: "the project has more services than podlift converts",
    meaning: "The project defines more services than podlift's limit.",
    kubernetes: "One Pod of that size would be far beyond what Kubernetes accepts for one object.",
    remedy: "Split the project into several.",
    example: "services:   # more than 100,000 entries\n",
};

pub(super) const MERGE_TYPE: Explanation = Explanation {
    code: Code::MergeType,
    title: "a key has different types in two merged files",
    meaning: "A later compose file (`-f a.yaml -f b.yaml`, or `compose.override.yaml`) writes a key as a list or a scalar where an earlier one wrote a mapping, or the reverse (keys compose accepts both ways, such as `environment`, merge).",
    kubernetes: "Compose cannot merge such values either; the result would be a guess.",
    remedy: "Write it the same way in both files, or tag the later one `!override` to replace it.",
    example: "services:\n  app:\n    image: app:1\n    deploy:\n      replicas: 1\n# file: compose.override.yaml\nservices:\n  app:\n    deploy: [replicas=2]\n",
};

pub(super) const NAME_CHARACTERS: Explanation = Explanation {
    code: Code::NameCharacters,
    title: "a name holds characters compose does not allow",
    meaning: "A service, volume, secret or config is named with a character other than a letter, a digit, `.`, `_` or `-` (a space, a `/`, or nothing at all), as a key of `services`, `volumes`, `secrets` or `configs`, of a service's `depends_on` or of its `networks` mapping.",
    kubernetes: "Compose refuses the file (`services additional properties 'a b' not allowed`); podlift refuses it too, rather than make up a name for the object.",
    remedy: "Rename it with letters, digits, `.`, `_` and `-` only, everywhere it is named.",
    example: "services:\n  \"my app\":\n    image: app:1\n",
};

pub(super) const NAME_INVALID: Explanation = Explanation {
    code: Code::NameInvalid,
    title: "a name is not a valid host name",
    meaning: "A service name, alias, `container_name` or `hostname` is not a DNS-1123 name (e.g. it holds `_`).",
    kubernetes: "Kubernetes' `hostAliases` accept DNS names only, so the name will not resolve in the Pod.",
    remedy: "Rename it if peers call it by that name.",
    example: "services:\n  my_db:\n    image: postgres:16\n",
};

pub(super) const NO_COMPOSE_FILE: Explanation = Explanation {
    code: Code::NoComposeFile,
    title: "no compose file was found",
    meaning: "Without `-f` and `COMPOSE_FILE`, podlift looks for `compose.yaml`, `compose.yml`, `docker-compose.yaml` and `docker-compose.yml` in the working directory, and found none.",
    kubernetes: "There is nothing to convert.",
    remedy: "Name one with `-f FILE` (repeatable), set `COMPOSE_FILE`, or run podlift in the project's directory.",
    example: "$ cd /tmp && podlift check\n",
};

pub(super) const NO_SERVICES: Explanation = Explanation {
    code: Code::NoServices,
    title: "the project defines no services",
    meaning: "The compose file (after profiles and merging) has no `services:`.",
    kubernetes: "There are no containers to put into a Pod.",
    remedy: "Add services, or activate the profile that holds them (`--profile`, `COMPOSE_PROFILES`).",
    example: "volumes:\n  data: {}\n",
};

pub(super) const PROJECT_NAME: Explanation = Explanation {
    code: Code::ProjectName,
    title: "the project name is changed",
    meaning: "The project name (from `-p`, `COMPOSE_PROJECT_NAME` or `name:`) holds characters compose does not allow; podlift uses the normalised name.",
    kubernetes: "The name prefixes the objects podlift writes (claims, ConfigMaps, the Deployment).",
    remedy: "Use lowercase letters, digits, `-` and `_`.",
    example: "name: My Project\nservices:\n  app:\n    image: app:1\n",
};

pub(super) const PROJECT_NAME_EMPTY: Explanation = Explanation {
    code: Code::ProjectNameEmpty,
    title: "the project has no name",
    meaning: "The project name (from `-p`, `COMPOSE_PROJECT_NAME`, `name:` or the compose file's directory) keeps only lowercase letters, digits, `-` and `_`, and not at its start `-` or `_`. Nothing was left: a `name:` of other characters, or a project in `/` or in a directory such as `___`. Docker Compose refuses such a project (\"project name must not be empty\").",
    kubernetes: "The name prefixes the objects podlift writes (claims, ConfigMaps, the Deployment): without it every name would start with a bare `-`, which Kubernetes refuses.",
    remedy: "Name the project: `name:` at the top of the compose file, `--project-name`, or `COMPOSE_PROJECT_NAME`.",
    example: "name: \"!!!\"\nservices:\n  app:\n    image: app:1\n",
};

pub(super) const TYPE: Explanation = Explanation {
    code: Code::Type,
    title: "a value has the wrong type",
    meaning: "A key holds a list where a string is expected, a mapping where a list is expected, and so on.",
    kubernetes: "podlift reads every key into a typed value; a wrong type would otherwise be dropped silently.",
    remedy: "Write the value as the message says.",
    example: "services:\n  app:\n    image: [app, \"1.0\"]\n",
};

pub(super) const VARIABLE_REQUIRED: Explanation = Explanation {
    code: Code::VariableRequired,
    title: "a required variable is not set",
    meaning: "`${NAME:?message}` or `${NAME?message}` names a variable that is not set (or empty).",
    kubernetes: "Compose refuses the file in this case; the author said the value must be given.",
    remedy: "Set the variable in the environment or in `.env`.",
    example: "services:\n  app:\n    image: app:${TAG:?set TAG}\n",
};

pub(super) const VARIABLE_UNSET: Explanation = Explanation {
    code: Code::VariableUnset,
    title: "a variable is not set",
    meaning: "`${NAME}` names a variable that is set neither in the environment nor in `.env`; it becomes an empty string.",
    kubernetes: "The manifests then carry the empty value, which is rarely what was meant.",
    remedy: "Set the variable in the environment or in `.env`, or give a default: `${NAME:-value}`.",
    example: "services:\n  app:\n    image: app:${TAG}\n",
};

pub(super) const YAML_LIMIT: Explanation = Explanation {
    code: Code::YamlLimit,
    title: "the YAML exceeds a size or nesting limit",
    meaning: "The file nests too deep, has too many nodes or aliases, or its anchors and aliases expand into too many copies (an \"alias bomb\").",
    kubernetes: "The limits keep a hostile or broken file from exhausting memory or time.",
    remedy: "Simplify the marked part.",
    example: "a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]\nservices:\n  app:\n    image: app:1\n",
};

pub(super) const YAML_SYNTAX: Explanation = Explanation {
    code: Code::YamlSyntax,
    title: "the file is not valid YAML",
    meaning: "The YAML parser stopped at the marked position: a syntax error, a duplicate key, a second document, a bad merge key or tag.",
    kubernetes: "podlift, like compose, reads one YAML document per file; it cannot guess what was meant.",
    remedy: "Fix the YAML at the marked position.",
    example: "services:\n  app:\n    image: app:1\n    image: app:2\n",
};
