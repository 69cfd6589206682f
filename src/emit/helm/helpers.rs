//! `_helpers.tpl`: the named templates of names, labels and images.

/// The named template that joins an image's repository, tag and digest.
pub(super) const IMAGE_HELPER: &str = "podlift.image";

pub(super) fn helpers() -> String {
    format!(
        "{{{{/*\n\
         The release's name for the chart's objects: `fullnameOverride`, else\n\
         `<release>-<chart>` (`nameOverride` replaces the chart's name), or the\n\
         release's name alone when it already holds the chart's. 63 characters at most.\n\
         */}}}}\n\
         {{{{- define \"podlift.fullname\" -}}}}\n\
         {{{{- if .Values.fullnameOverride -}}}}\n\
         {{{{- .Values.fullnameOverride | trunc 63 | trimSuffix \"-\" -}}}}\n\
         {{{{- else -}}}}\n\
         {{{{- $name := default .Chart.Name .Values.nameOverride -}}}}\n\
         {{{{- if contains $name .Release.Name -}}}}\n\
         {{{{- .Release.Name | trunc 63 | trimSuffix \"-\" -}}}}\n\
         {{{{- else -}}}}\n\
         {{{{- printf \"%s-%s\" .Release.Name $name | trunc 63 | trimSuffix \"-\" -}}}}\n\
         {{{{- end -}}}}\n\
         {{{{- end -}}}}\n\
         {{{{- end -}}}}\n\
         \n\
         {{{{/*\n\
         An object's name: the full name, then `-suffix` (the object's name in\n\
         `podlift convert` without the project's prefix); `max` characters at most.\n\
         Arguments: (dict \"root\" $ \"suffix\" SUFFIX \"max\" MAX).\n\
         */}}}}\n\
         {{{{- define \"podlift.objectname\" -}}}}\n\
         {{{{- $full := include \"podlift.fullname\" .root -}}}}\n\
         {{{{- if .suffix -}}}}\n\
         {{{{- printf \"%s-%s\" $full .suffix | trunc (int .max) | trimSuffix \"-\" -}}}}\n\
         {{{{- else -}}}}\n\
         {{{{- $full -}}}}\n\
         {{{{- end -}}}}\n\
         {{{{- end -}}}}\n\
         \n\
         {{{{/*\n\
         The chart label: name and version.\n\
         */}}}}\n\
         {{{{- define \"podlift.chart\" -}}}}\n\
         {{{{- printf \"%s-%s\" .Chart.Name .Chart.Version | replace \"+\" \"_\" | trunc 63 | trimSuffix \"-\" -}}}}\n\
         {{{{- end -}}}}\n\
         \n\
         {{{{/*\n\
         Selector labels: the workload's name and the release. Arguments: (dict \"root\" $ \"name\" NAME).\n\
         */}}}}\n\
         {{{{- define \"podlift.selectorLabels\" -}}}}\n\
         app.kubernetes.io/name: {{{{ .name | quote }}}}\n\
         app.kubernetes.io/instance: {{{{ .root.Release.Name | quote }}}}\n\
         {{{{- end -}}}}\n\
         \n\
         {{{{/*\n\
         Helm's standard labels. Arguments: (dict \"root\" $ \"name\" NAME).\n\
         */}}}}\n\
         {{{{- define \"podlift.labels\" -}}}}\n\
         helm.sh/chart: {{{{ include \"podlift.chart\" .root | quote }}}}\n\
         {{{{ include \"podlift.selectorLabels\" . }}}}\n\
         {{{{- with .root.Chart.AppVersion }}}}\n\
         app.kubernetes.io/version: {{{{ . | quote }}}}\n\
         {{{{- end }}}}\n\
         app.kubernetes.io/managed-by: {{{{ .root.Release.Service | quote }}}}\n\
         {{{{- end -}}}}\n\
         \n\
         {{{{/*\n\
         An image reference, quoted: repository[:tag][@digest] from the image's map of\n\
         `repository`, `tag` and `digest`. With `global.imageRegistry`, that registry\n\
         replaces the repository's own (its first part, when that has a `.` or `:` or is\n\
         `localhost`), and a Docker Hub name gets its `library/` (`nginx` becomes\n\
         `REGISTRY/library/nginx`), as mirroring tools lay images out.\n\
         Arguments: (dict \"image\" IMAGE \"global\" $.Values.global).\n\
         */}}}}\n\
         {{{{- define \"{IMAGE_HELPER}\" -}}}}\n\
         {{{{- $ref := .image.repository | toString -}}}}\n\
         {{{{- with .global }}}}{{{{ with .imageRegistry -}}}}\n\
         {{{{- $parts := splitList \"/\" $ref -}}}}\n\
         {{{{- $first := first $parts -}}}}\n\
         {{{{- $hub := true -}}}}\n\
         {{{{- if and (gt (len $parts) 1) (or (contains \".\" $first) (contains \":\" $first) (eq $first \"localhost\")) -}}}}\n\
         {{{{- $ref = rest $parts | join \"/\" -}}}}\n\
         {{{{- $hub = or (eq $first \"docker.io\") (eq $first \"index.docker.io\") -}}}}\n\
         {{{{- end -}}}}\n\
         {{{{- if and $hub (not (contains \"/\" $ref)) }}}}{{{{ $ref = printf \"library/%s\" $ref }}}}{{{{ end -}}}}\n\
         {{{{- $ref = printf \"%s/%s\" (toString . | trimSuffix \"/\") $ref -}}}}\n\
         {{{{- end }}}}{{{{ end -}}}}\n\
         {{{{- if .image.tag }}}}{{{{ $ref = printf \"%s:%v\" $ref .image.tag }}}}{{{{ end -}}}}\n\
         {{{{- if .image.digest }}}}{{{{ $ref = printf \"%s@%v\" $ref .image.digest }}}}{{{{ end -}}}}\n\
         {{{{- $ref | quote -}}}}\n\
         {{{{- end -}}}}\n"
    )
}
