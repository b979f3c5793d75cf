// Declarations of the builtin filter functions, grouped by the file that defines them; the
// registry table in filters.cc lists them by name.
#pragma once

#include "jinja/runtime.h"

namespace gitops::jinja::builtins {

#define JINJA_FILTER(name) Result<Value> name(Runtime& rt, const Value& in, CallArgs& args)

// filters_text.cc
JINJA_FILTER(Capitalize);
JINJA_FILTER(Center);
JINJA_FILTER(Escape);
JINJA_FILTER(FileSizeFormat);
JINJA_FILTER(ForceEscape);
JINJA_FILTER(Format);
JINJA_FILTER(Indent);
JINJA_FILTER(Lower);
JINJA_FILTER(Replace);
JINJA_FILTER(Safe);
JINJA_FILTER(String);
JINJA_FILTER(StripTags);
JINJA_FILTER(TitleFilter);
JINJA_FILTER(Trim);
JINJA_FILTER(Truncate);
JINJA_FILTER(Upper);
JINJA_FILTER(UrlEncode);
JINJA_FILTER(Urlize);
JINJA_FILTER(WordCount);
JINJA_FILTER(WordWrap);
JINJA_FILTER(XmlAttr);
JINJA_FILTER(Abs);
JINJA_FILTER(Int);
JINJA_FILTER(Float);
JINJA_FILTER(Round);
JINJA_FILTER(Pprint);

// filters_seq.cc
JINJA_FILTER(Attr);
JINJA_FILTER(Batch);
JINJA_FILTER(Default);
JINJA_FILTER(DictSort);
JINJA_FILTER(First);
JINJA_FILTER(GroupBy);
JINJA_FILTER(Items);
JINJA_FILTER(Join);
JINJA_FILTER(Last);
JINJA_FILTER(Length);
JINJA_FILTER(ListFilter);
JINJA_FILTER(Map);
JINJA_FILTER(Max);
JINJA_FILTER(Min);
JINJA_FILTER(Reject);
JINJA_FILTER(RejectAttr);
JINJA_FILTER(Reverse);
JINJA_FILTER(Select);
JINJA_FILTER(SelectAttr);
JINJA_FILTER(Slice);
JINJA_FILTER(Sort);
JINJA_FILTER(Sum);
JINJA_FILTER(Unique);

// filters_data.cc
JINJA_FILTER(ToJsonFilter);
JINJA_FILTER(ToJsonDumps);
JINJA_FILTER(ToYaml);
JINJA_FILTER(ToNiceYaml);
JINJA_FILTER(B64Encode);
JINJA_FILTER(B64Decode);

#undef JINJA_FILTER

}  // namespace gitops::jinja::builtins
