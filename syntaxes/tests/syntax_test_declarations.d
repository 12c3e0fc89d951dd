// SYNTAX TEST "Packages/dscope/D.sublime-syntax"

#pragma D option quiet
// <- meta.preprocessor.pragma.dtrace punctuation.definition.directive.dtrace
//^^^^^ keyword.directive.pragma.dtrace
//      ^ keyword.directive.pragma.dtrace
//        ^^^^^^ keyword.directive.pragma.dtrace
//               ^^^^^ variable.parameter.option.dtrace
#pragma D option bufsize=16m
//               ^^^^^^^ variable.parameter.option.dtrace
//                      ^ keyword.operator.assignment.dtrace
//                       ^^^ constant.numeric.option-value.dtrace
#pragma D option aggsortkey
//               ^^^^^^^^^^ variable.parameter.option.dtrace
#pragma D depends_on provider syscall
// <- meta.preprocessor.dtrace
//^^^^^ keyword.directive.pragma.dtrace
#include <sys/types.h>
// <- meta.preprocessor.include.dtrace
//^^^^^^ keyword.directive.include.dtrace
//       ^^^^^^^^^^^^^ string.quoted.other.lt-gt.include.dtrace
#define MAXLEN 64
//^^^^^ keyword.directive.dtrace
//             ^^ constant.numeric.integer.decimal.dtrace

inline int THRESHOLD = 100;
// <- meta.declaration.dtrace storage.modifier.dtrace
//     ^^^ storage.type.dtrace
//                     ^^^ constant.numeric.integer.decimal.dtrace

self int ts;
// <- storage.modifier.dtrace
//   ^^^ storage.type.dtrace

this string name;
// <- storage.modifier.dtrace
//   ^^^^^^ storage.type.dtrace

typedef struct info {
// <- storage.type.dtrace
//      ^^^^^^ storage.type.dtrace
//             ^^^^ entity.name.type.dtrace
        uint64_t count;
//      ^^^^^^^^ meta.block.dtrace storage.type.dtrace
} info_t;

provider myapp {
// <- storage.type.dtrace
        probe query__start(char *, int);
//      ^^^^^ storage.type.probe.dtrace
//            ^^^^^^^^^^^^ entity.name.function.probe.dtrace
//                         ^^^^ storage.type.dtrace
};

BEGIN
// <- constant.language.probe.dtrace
{
        ts = 1;
}
