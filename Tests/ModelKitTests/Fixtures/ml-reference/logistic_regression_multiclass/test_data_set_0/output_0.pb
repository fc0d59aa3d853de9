2	virginica2
versicolor2
versicolor2
versicolor2	virginica2
versicolor2	virginica2
versicolor2	virginica2
versicolor2
versicolor2setosaBlabel